"""Password hashing (Argon2id) and the password policy."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

_default = PasswordHasher()
# Tests hash thousands of passwords; they use cheap parameters (PASSWORD_HASH_PROFILE=fast).
_fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher():
    if has_app_context() and current_app.config.get("PASSWORD_HASH_PROFILE") == "fast":
        return _fast
    return _default

MIN_LENGTH = 10
# A short list of the passwords people pick most; the length rule stops most others.
COMMON = {
    "1234567890", "12345678910", "qwertyuiop", "password123", "passw0rd12",
    "katasandi123", "indonesia123", "pontianak123", "bismillah123", "aaaaaaaaaa",
    "1111111111", "0000000000", "asdfghjkl1", "iloveyou12", "admin12345",
}


def hash_password(password):
    return _hasher().hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password, email=""):
    """Why ``password`` is too weak, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if password.lower() in COMMON or len(set(password)) < 4:
        return _l("This password is too easy to guess. Choose another.")
    if password.isdigit() or password.isalpha():
        return _l("Use both letters and numbers or symbols.")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in password.lower():
        return _l("The password must not contain your e-mail name.")
    return None
