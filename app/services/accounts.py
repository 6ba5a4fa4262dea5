"""Accounts: registration, e-mail verification, log-in, passwords, invitations.

Rules kept here:
- buyers register only with an address on GOV_EMAIL_DOMAINS and name their department;
- sellers register freely; mentors and admins join only through an admin's invitation;
- an e-mail address belongs to one account;
- changing a password ends every other session of that user; resetting it, a lock and an
  admin's deactivation end all of them (services.sessions keeps the sessions' own rules).
"""
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app import clock
from app.extensions import db
from app.i18n import local_time
from app.models import INVITABLE_ROLES, Department, Invitation, User
from app.orm import utcnow
from app.services import Conflict, DomainError, Invalid, NotAllowed, NotFound, audit, sessions
from app.services.mail import queue_email
from app.services.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.services.tokens import TokenError, make_token, read_token

SELF_REGISTER_ROLES = ("buyer", "seller")


def normalise_email(email):
    return (email or "").strip().lower()


def email_domain_allowed(email):
    domain = normalise_email(email).rpartition("@")[2]
    allowed = current_app.config["GOV_EMAIL_DOMAINS"]
    return any(domain == d or domain.endswith("." + d) for d in allowed)


def find_user_by_email(email):
    return db.session.execute(
        db.select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar_one_or_none()


def _check_password(password, email):
    problem = password_problem(password, email)
    if problem:
        raise Invalid(problem)


def register_user(*, email, password, full_name, role, department_id=None, phone="", nip="", locale=None):
    """Create an unverified account and send the verification e-mail."""
    email = normalise_email(email)
    if role not in SELF_REGISTER_ROLES:
        raise NotAllowed(_l("Mentors and admins join through an invitation."))
    if role == "buyer":
        if not email_domain_allowed(email):
            raise Invalid(
                _l(
                    "Civil servants register with a government e-mail address (%(domains)s).",
                    domains=", ".join("@" + d for d in current_app.config["GOV_EMAIL_DOMAINS"]),
                )
            )
        if not department_id or db.session.get(Department, department_id) is None:
            raise Invalid(_l("Choose your department."))
    _check_password(password, email)
    if find_user_by_email(email):
        raise Conflict(_l("An account with this e-mail already exists. Log in or reset your password."))
    user = User(
        email=email,
        password_hash=hash_password(password),
        full_name=full_name.strip(),
        phone=(phone or "").strip(),
        nip=(nip or "").strip(),
        department_id=department_id if role == "buyer" else None,
        locale=locale,
    )
    user.grant(role)
    db.session.add(user)
    db.session.flush()
    audit.record(user, "user.registered", user, after={"email": email, "role": role})
    _queue_verification(user)
    db.session.commit()
    return user


def _queue_verification(user):
    token = make_token("verify", {"uid": user.id, "email": user.email})
    link = url_for("auth.verify_email", token=token, _external=True)
    queue_email(user.email, _l("Confirm your e-mail for Pasar Kite Bise"), "verify_email",
                locale=user.locale, user=user, link=link)


def resend_verification(user):
    if user.is_verified:
        raise Conflict(_l("Your e-mail is already confirmed."))
    _queue_verification(user)
    db.session.commit()


def verify_email(token):
    """Mark the address in ``token`` as verified. Returns the user."""
    # A link to an address the user has since changed confirms nothing.
    user = _user_of_link("verify", token, "EMAIL_TOKEN_MAX_AGE", lambda user, data: user.email == data.get("email"))
    if not user.is_verified:
        user.email_verified_at = utcnow()
        audit.record(user, "user.email_verified", user)
        db.session.commit()
    return user


def _user_of_link(purpose, token, max_age_setting, still_good):
    """The user an e-mail link names; BadLink (400) when it is expired, tampered with, names no
    user, or ``still_good(user, data)`` says what it was made for has changed since."""
    try:
        data = read_token(purpose, token, current_app.config[max_age_setting])
    except TokenError as exc:
        raise BadLink(_expired_or_invalid(exc)) from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or not still_good(user, data):
        raise BadLink(_l("This link is not valid. Ask for a new one."))
    return user


def _expired_or_invalid(exc):
    if exc.reason == "expired":
        return _l("This link has expired. Ask for a new one.")
    return _l("This link is not valid. Ask for a new one.")


class BadLink(DomainError):  # noqa: N818 - named like the other domain errors
    """An e-mail link that is expired, tampered with or already used: a bad request."""

    status = 400


class AccountLocked(DomainError):  # noqa: N818 - named like the other domain errors
    """Too many failed log-ins in a row: the account refuses log-ins for a while."""

    status = 429


def _is_locked(user):
    return user.locked_until is not None and user.locked_until > clock.now()


# A browser its owner has logged in from keeps a signed note of it (the cookie below) for
# this long, and the lock does not apply to it: anyone can type ten wrong passwords for
# someone else's address, but that locks out only browsers that never logged in as them.
DEVICE_COOKIE = "pkb_device"
TRUSTED_DEVICE_DAYS = 365


def device_token(user):
    """The value of DEVICE_COOKIE after ``user`` logged in."""
    return make_token("device", {"uid": user.id})


def _trusted_device(user, token):
    if not token:
        return False
    try:
        data = read_token("device", token, TRUSTED_DEVICE_DAYS * 24 * 3600)
    except TokenError:
        return False
    return isinstance(data, dict) and data.get("uid") == user.id


def authenticate(email, password, device=None):
    """The user for these credentials, or None. Upgrades an old hash on the way.

    After LOCKOUT_THRESHOLD failures in a row the account is locked for LOCKOUT_MINUTES
    and its owner gets one notice e-mail. While locked every log-in is refused without
    checking the password, so the lock cannot be used to guess it; a success resets the count.
    The lock does not apply to a browser the owner logged in from before (``device``, the
    DEVICE_COOKIE it holds), so a stranger cannot use it to keep the owner out.
    """
    user = find_user_by_email(email)
    if user is not None and _is_locked(user) and not _trusted_device(user, device):
        # Refused without checking the password, at the cost of the one hash an unknown
        # address costs, so the timing does not tell that the account exists.
        verify_password(_DUMMY_HASH(), password)
        raise AccountLocked(_locked_message(user))
    if user is None or not verify_password(user.password_hash, password):
        # Same work whether the address exists or not, so timing tells nothing.
        if user is None:
            verify_password(_DUMMY_HASH(), password)
        else:
            _count_failed_login(user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _locked_message(user):
    return _l("Too many failed log-ins: this account is locked until %(time)s. Wait, or reset your password.",
              time=local_time(user.locked_until))


def _count_failed_login(user):
    cfg = current_app.config
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= cfg["LOCKOUT_THRESHOLD"]:
        attempts = user.failed_logins
        user.failed_logins = 0
        user.locked_until = clock.now() + timedelta(minutes=cfg["LOCKOUT_MINUTES"])
        # Someone is guessing the password: whoever may already have it is put out too.
        sessions.end_sessions(user, "lock")
        audit.record(user, "user.locked", user, after={"attempts": attempts})
        queue_email(user.email, _l("Your Pasar Kite Bise account is locked for a while"), "account_locked",
                    locale=user.locale, user=user, attempts=attempts,
                    until=user.locked_until,
                    link=url_for("auth.forgot_password", _external=True))
    db.session.commit()


_dummy: dict[str, str] = {}


def _DUMMY_HASH():  # noqa: N802 - a cached constant
    if "h" not in _dummy:
        _dummy["h"] = hash_password(secrets.token_urlsafe(16))
    return _dummy["h"]


def request_password_reset(email):
    """Send a reset link if the address has an account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = make_token("reset", {"uid": user.id, "v": user.session_version})
    link = url_for("auth.reset_password", token=token, _external=True)
    queue_email(user.email, _l("Reset your Pasar Kite Bise password"), "reset_password",
                locale=user.locale, user=user, link=link)
    db.session.commit()


def user_for_reset_token(token):
    # The version changes with every password change, so a used link stops working.
    return _user_of_link("reset", token, "RESET_TOKEN_MAX_AGE",
                         lambda user, data: user.session_version == data.get("v"))


def reset_password(token, new_password):
    user = user_for_reset_token(token)
    _check_password(new_password, user.email)
    _set_password(user, new_password)
    sessions.end_sessions(user, "reset")
    # A new password chosen through the mailbox ends a lockout.
    user.failed_logins = 0
    user.locked_until = None
    # Following the link proves the mailbox, so it verifies the address too.
    if not user.is_verified:
        user.email_verified_at = utcnow()
    audit.record(user, "user.password_reset", user)
    db.session.commit()
    return user


def _set_password(user, new_password):
    user.password_hash = hash_password(new_password)
    user.session_version += 1


def change_password(user, current_password, new_password):
    """Change the password; every other session of the user ends, the one making the change
    (``user.current_session``) carries on."""
    if not verify_password(user.password_hash, current_password):
        raise Invalid(_l("Your current password is not correct."))
    _check_password(new_password, user.email)
    _set_password(user, new_password)
    sessions.end_sessions(user, "password", keep=user.current_session)
    audit.record(user, "user.password_changed", user)
    db.session.commit()


def update_profile(user, *, full_name, phone="", nip="", job_title="", department_id=None, locale=None):
    before = {"full_name": user.full_name, "phone": user.phone, "department_id": user.department_id}
    if user.has_role("buyer"):
        if not department_id or db.session.get(Department, department_id) is None:
            raise Invalid(_l("Choose your department."))
        user.department_id = department_id
    user.full_name = full_name.strip()
    user.phone = (phone or "").strip()
    user.nip = (nip or "").strip()
    user.job_title = (job_title or "").strip()
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
    after = {"full_name": user.full_name, "phone": user.phone, "department_id": user.department_id}
    if before != after:
        audit.record(user, "user.profile_updated", user, before=before, after=after)
    db.session.commit()


def set_locale(user, locale):
    if locale in current_app.config["LANGUAGES"] and user.locale != locale:
        user.locale = locale
        db.session.commit()


def deactivate_user(admin, user):
    """An admin closes an account: it cannot log in, and every session of it ends now."""
    if not admin.has_role("admin"):
        raise NotAllowed(_l("Only admins can deactivate accounts."))
    if user.id == admin.id:
        raise Conflict(_l("You cannot deactivate your own account."))
    if not user.active:
        raise Conflict(_l("This account is already deactivated."))
    user.active = False
    ended = sessions.end_sessions(user, "deactivated")
    audit.record(admin, "user.deactivated", user, after={"sessions_ended": ended})
    db.session.commit()


def reactivate_user(admin, user):
    if not admin.has_role("admin"):
        raise NotAllowed(_l("Only admins can reactivate accounts."))
    if user.active:
        raise Conflict(_l("This account is already active."))
    user.active = True
    audit.record(admin, "user.reactivated", user)
    db.session.commit()


# --- invitations -----------------------------------------------------------------

def invite(admin, email, role):
    """An admin invites a mentor or admin; the link in the e-mail lets them join."""
    if not admin.has_role("admin"):
        raise NotAllowed(_l("Only admins can invite."))
    if role not in INVITABLE_ROLES:
        raise Invalid(_l("Choose mentor or admin."))
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None and existing.has_role(role):
        raise Conflict(_l("%(email)s already has this role.", email=email))
    invitation = Invitation(token_id=secrets.token_urlsafe(24), email=email, role=role, invited_by_id=admin.id)
    db.session.add(invitation)
    db.session.flush()
    link = url_for("auth.accept_invitation", token=make_token("invite", {"i": invitation.token_id}), _external=True)
    queue_email(email, _l("You are invited to Pasar Kite Bise"), "invitation",
                invitation=invitation, inviter=admin, link=link)
    audit.record(admin, "invitation.sent", invitation, after={"email": email, "role": role})
    db.session.commit()
    return invitation


def invitation_for_token(token):
    try:
        data = read_token("invite", token, current_app.config["INVITE_TOKEN_MAX_AGE"])
    except TokenError as exc:
        raise BadLink(_expired_or_invalid(exc)) from exc
    invitation = db.session.execute(
        db.select(Invitation).where(Invitation.token_id == data.get("i"))
    ).scalar_one_or_none()
    if invitation is None:
        raise NotFound(_l("This invitation does not exist."))
    if invitation.state != "open":
        raise Conflict(_l("This invitation has already been used or withdrawn."))
    return invitation


def accept_invitation(token, *, full_name=None, password=None, existing_user=None):
    """Join through an invitation: a new account, or the role added to the logged-in one."""
    invitation = invitation_for_token(token)
    if existing_user is not None:
        if normalise_email(existing_user.email) != invitation.email:
            raise NotAllowed(_l("This invitation was sent to another e-mail address."))
        user = existing_user
    else:
        if find_user_by_email(invitation.email):
            raise Conflict(_l("An account with this e-mail already exists. Log in first, then open the link again."))
        _check_password(password or "", invitation.email)
        user = User(email=invitation.email, password_hash=hash_password(password),
                    full_name=(full_name or "").strip(), email_verified_at=utcnow())
        db.session.add(user)
    user.grant(invitation.role)
    db.session.flush()
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    audit.record(user, "invitation.accepted", invitation, after={"role": invitation.role})
    db.session.commit()
    return user


def revoke_invitation(admin, invitation):
    if invitation.state != "open":
        raise Conflict(_l("This invitation has already been used or withdrawn."))
    invitation.revoked_at = utcnow()
    audit.record(admin, "invitation.revoked", invitation)
    db.session.commit()


def create_admin(email, password, full_name):
    """For ``flask create-admin``: an admin account, verified, or the role added."""
    email = normalise_email(email)
    user = find_user_by_email(email)
    if user is None:
        _check_password(password, email)
        user = User(email=email, password_hash=hash_password(password), full_name=full_name,
                    email_verified_at=utcnow())
        db.session.add(user)
    user.grant("admin")
    db.session.flush()
    audit.record(None, "user.admin_created", user, after={"email": email})
    db.session.commit()
    return user
