"""Accounts: register, verify, log in/out, remember me, reset, profile, password, lockout.

Pages are asked for in English (the language switch), so the messages asserted here
are the msgids; the Indonesian catalogue is filled in later.
"""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import AuditEntry, OutboxMessage, User
from tests.conftest import PASSWORD, outbox
from tests.helpers import count, last_link, page_text

NEW_PASSWORD = "Kopi-Aming-77x"


@pytest.fixture
def en(client):
    """The test client, with English chosen (as a person would, by the switch)."""
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


@pytest.fixture
def dept(factories):
    return factories.DepartmentFactory(name="Dinas Komunikasi dan Informatika").id


def register(client, **overrides):
    data = {"role": "buyer", "full_name": "Budi Santoso", "email": "budi@pontianak.go.id",
            "department_id": "0", "phone": "", "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return client.post("/auth/register", data=data)


def get_user(app, email):
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


# --- registration -------------------------------------------------------------------

def test_buyer_registers_with_gov_email_and_department_and_gets_a_verification_mail(app, en, dept):
    response = register(en, department_id=str(dept), email="Budi@Pontianak.go.id ")
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    assert "We sent a confirmation link to budi@pontianak.go.id" in page_text(en.get("/auth/login"))
    user = get_user(app, "budi@pontianak.go.id")
    assert user.roles == {"buyer"} and user.department_id == dept and not user.is_verified
    assert user.locale == "en"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    [(to, subject, body)] = outbox(app)
    assert to == "budi@pontianak.go.id" and "/auth/verify/" in body
    assert count(app, AuditEntry) == 1


def test_buyer_with_a_subdomain_of_a_gov_domain_is_accepted(app, en, dept):
    assert register(en, department_id=str(dept), email="ani@bappeda.pontianak.go.id").status_code == 302


@pytest.mark.parametrize("email", ["budi@gmail.com", "budi@pontianak.go.id.evil.test", "budi@notpontianak.go.id"])
def test_buyer_with_another_domain_is_refused(app, en, dept, email):
    response = register(en, department_id=str(dept), email=email)
    assert response.status_code == 422
    assert "Civil servants register with a government e-mail address (@pontianak.go.id)" in page_text(response)
    assert count(app, User) == 0 and count(app, OutboxMessage) == 0


def test_buyer_must_choose_a_department(app, en, dept):
    response = register(en, department_id="0")
    assert response.status_code == 422 and "Choose your department." in page_text(response)
    assert count(app, User) == 0


def test_buyer_domain_list_comes_from_config(app, en, dept):
    app.config["GOV_EMAIL_DOMAINS"] = ["kalbarprov.go.id"]
    assert register(en, department_id=str(dept)).status_code == 422
    assert register(en, department_id=str(dept), email="a@kalbarprov.go.id").status_code == 302


def test_seller_registers_with_any_address_and_no_department(app, en, dept):
    response = register(en, role="seller", email="aming@gmail.com", department_id=str(dept))
    assert response.status_code == 302
    user = get_user(app, "aming@gmail.com")
    assert user.roles == {"seller"} and user.department_id is None


@pytest.mark.parametrize("role", ["mentor", "admin"])
def test_mentor_and_admin_cannot_register_themselves(app, en, role):
    response = register(en, role=role, email="x@inkubator.test")
    assert response.status_code == 400  # not a choice of the form
    assert count(app, User) == 0


def test_service_refuses_mentor_self_registration(app_ctx):
    from app.services import NotAllowed, accounts

    with pytest.raises(NotAllowed), app_ctx.test_request_context():
        accounts.register_user(email="m@x.test", password=PASSWORD, full_name="M", role="mentor")


def test_duplicate_email_is_a_conflict_whatever_the_case(app, en, factories):
    factories.SellerFactory(email="aming@umkm.test")
    response = register(en, role="seller", email="AMING@umkm.test")
    assert response.status_code == 409
    assert "An account with this e-mail already exists" in page_text(response)
    assert count(app, User) == 1 and count(app, OutboxMessage) == 0


@pytest.mark.parametrize("password, message", [
    ("short1!", "Use at least 10 characters."),
    ("onlyletterslong", "Use both letters and numbers or symbols."),
    ("pontianak123", "This password is too easy to guess."),
    ("aming-secret-1", "The password must not contain your e-mail name."),
])
def test_weak_password_is_refused(app, en, password, message):
    response = register(en, role="seller", email="aming@umkm.test", password=password, confirm=password)
    assert response.status_code == 422 and message in page_text(response)
    assert count(app, User) == 0


def test_mismatched_passwords_are_refused(app, en):
    response = register(en, role="seller", email="aming@umkm.test", confirm=PASSWORD + "x")
    assert response.status_code == 400 and "The passwords do not match." in page_text(response)
    assert count(app, User) == 0


def test_missing_fields_answer_400_with_messages(app, en):
    response = en.post("/auth/register", data={"role": "seller"})
    assert response.status_code == 400 and "This field is required." in page_text(response)
    assert count(app, User) == 0


def test_logged_in_user_is_sent_home_from_register(client, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    auth.login("s@umkm.test")
    assert client.get("/auth/register").status_code == 302


# --- verification ---------------------------------------------------------------------

def test_verification_link_verifies_and_then_login_works(app, en, dept):
    register(en, department_id=str(dept))
    link = last_link(app, "budi@pontianak.go.id", "/auth/verify/")
    response = en.get(link)
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    assert get_user(app, "budi@pontianak.go.id").is_verified
    assert en.get(link).status_code == 302  # opening it twice does no harm
    response = en.post("/auth/login", data={"email": "budi@pontianak.go.id", "password": PASSWORD})
    assert response.status_code == 302
    assert "Budi Santoso" in page_text(en.get("/account/"))


def test_unverified_user_cannot_log_in_and_is_told_why(app, en, dept):
    register(en, department_id=str(dept))
    response = en.post("/auth/login", data={"email": "budi@pontianak.go.id", "password": PASSWORD},
                       follow_redirects=True)
    assert "Confirm your e-mail address first" in page_text(response)
    assert en.get("/account/").status_code == 302  # still anonymous


def test_expired_verification_link_gets_a_clear_page(app, en, dept):
    register(en, department_id=str(dept))
    link = last_link(app, "budi@pontianak.go.id", "/auth/verify/")
    clock.travel(seconds=app.config["EMAIL_TOKEN_MAX_AGE"] + 5)
    response = en.get(link)
    assert response.status_code == 400 and "This link has expired. Ask for a new one." in page_text(response)
    assert not get_user(app, "budi@pontianak.go.id").is_verified


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: "x" + t, lambda t: "garbage"])
def test_tampered_verification_link_gets_a_clear_page(app, en, dept, mangle):
    register(en, department_id=str(dept))
    link = last_link(app, "budi@pontianak.go.id", "/auth/verify/")
    prefix, token = link.rsplit("/", 1)
    response = en.get(f"{prefix}/{mangle(token)}")
    assert response.status_code == 400 and "This link is not valid" in page_text(response)
    assert not get_user(app, "budi@pontianak.go.id").is_verified


def test_a_reset_token_is_not_a_verification_token(app, en, factories):
    factories.SellerFactory(email="s@umkm.test", email_verified_at=None)
    en.post("/auth/forgot", data={"email": "s@umkm.test"})
    token = last_link(app, "s@umkm.test", "/auth/reset/").rsplit("/", 1)[1]
    assert en.get(f"/auth/verify/{token}").status_code == 400


def test_resend_verification_sends_a_new_link_only_to_unverified(app, en, factories):
    factories.SellerFactory(email="new@umkm.test", email_verified_at=None)
    factories.SellerFactory(email="old@umkm.test")
    for email in ("new@umkm.test", "old@umkm.test", "nobody@umkm.test"):
        response = en.post("/auth/verify/resend", data={"email": email}, follow_redirects=True)
        assert "If this address has an unconfirmed account" in page_text(response)
    assert [m[0] for m in outbox(app)] == ["new@umkm.test"]


# --- log in / log out / remember me -----------------------------------------------------

def test_wrong_password_and_unknown_address_get_the_same_answer(app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    for email, password in (("s@umkm.test", "wrong-pass-123"), ("nobody@umkm.test", PASSWORD)):
        response = en.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 401 and "E-mail or password is not correct." in page_text(response)


def test_login_goes_to_next_and_logout_is_a_post(app, en, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    response = auth.login("s@umkm.test", next="/account/profile")
    assert response.location.endswith("/account/profile")
    assert en.get("/auth/logout").status_code == 405  # a link cannot log you out
    assert en.get("/account/").status_code == 200
    response = en.post("/auth/logout", follow_redirects=True)
    assert "You have logged out." in page_text(response)
    assert en.get("/account/").status_code == 302


def test_deactivated_account_cannot_log_in(app, en, auth, factories):
    factories.SellerFactory(email="s@umkm.test", active=False)
    response = auth.login("s@umkm.test")
    assert response.status_code == 403 and "This account has been deactivated" in page_text(response)


def test_remember_me_keeps_the_user_logged_in_after_the_session_ends(app, client, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    auth.login("s@umkm.test", remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only
    assert cookie.expires is not None  # a lasting cookie, not one for this browser session
    client.delete_cookie("session")
    assert client.get("/account/").status_code == 200


def test_without_remember_me_no_lasting_cookie(app, client, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    auth.login("s@umkm.test")
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert client.get("/account/").status_code == 302


def test_login_sets_the_users_saved_language(app, client, auth, factories):
    factories.SellerFactory(email="s@umkm.test", locale="en")
    auth.login("s@umkm.test")
    client.post("/auth/logout")
    assert 'lang="en"' in page_text(client.get("/"))  # kept for the next visitor of this browser


# --- forgot / reset password -----------------------------------------------------------

def test_reset_password_link_works_once(app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    response = en.post("/auth/forgot", data={"email": "s@umkm.test"}, follow_redirects=True)
    assert "If this address has an account, we sent a link" in page_text(response)
    link = last_link(app, "s@umkm.test", "/auth/reset/")
    assert en.get(link).status_code == 200
    response = en.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 401
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": NEW_PASSWORD}).status_code == 302
    en.post("/auth/logout")
    again = en.post(link, data={"password": "Another-Pass-99", "confirm": "Another-Pass-99"})
    assert again.status_code == 400 and "This link is not valid" in page_text(again)


def test_forgot_password_for_unknown_address_says_the_same_and_sends_nothing(app, en):
    response = en.post("/auth/forgot", data={"email": "nobody@umkm.test"}, follow_redirects=True)
    assert "If this address has an account" in page_text(response)
    assert outbox(app) == []


def test_reset_link_expires(app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    en.post("/auth/forgot", data={"email": "s@umkm.test"})
    link = last_link(app, "s@umkm.test", "/auth/reset/")
    clock.travel(seconds=app.config["RESET_TOKEN_MAX_AGE"] + 1)
    response = en.get(link)
    assert response.status_code == 400 and "This link has expired" in page_text(response)


def test_reset_with_weak_password_keeps_the_old_one(app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    en.post("/auth/forgot", data={"email": "s@umkm.test"})
    link = last_link(app, "s@umkm.test", "/auth/reset/")
    response = en.post(link, data={"password": "short", "confirm": "short"})
    assert response.status_code == 422 and "Use at least 10 characters." in page_text(response)
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302


def test_reset_verifies_an_unverified_address(app, en, factories):
    factories.SellerFactory(email="s@umkm.test", email_verified_at=None)
    en.post("/auth/forgot", data={"email": "s@umkm.test"})
    en.post(last_link(app, "s@umkm.test", "/auth/reset/"), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert get_user(app, "s@umkm.test").is_verified


# --- profile and password ----------------------------------------------------------------

def test_edit_profile(app, en, auth, factories):
    buyer = factories.BuyerFactory(email="b@pontianak.go.id")
    other = factories.DepartmentFactory(name="Dinas Kesehatan").id
    auth.login("b@pontianak.go.id")
    response = en.post("/account/profile", data={
        "full_name": "Budi S.", "phone": "0812 5555 1234", "nip": "198001012005011001",
        "job_title": "Analis", "department_id": str(other), "locale": "en"}, follow_redirects=True)
    assert "Your profile has been saved." in page_text(response)
    user = get_user(app, "b@pontianak.go.id")
    assert (user.full_name, user.phone, user.department_id, user.locale) == ("Budi S.", "0812 5555 1234", other, "en")
    assert buyer.id == user.id


def test_buyer_cannot_drop_the_department(app, en, auth, factories):
    factories.BuyerFactory(email="b@pontianak.go.id", full_name="Budi")
    auth.login("b@pontianak.go.id")
    response = en.post("/account/profile", data={"full_name": "Changed", "department_id": "0", "locale": "en"})
    assert response.status_code == 422 and "Choose your department." in page_text(response)
    assert get_user(app, "b@pontianak.go.id").full_name == "Budi"


def test_profile_needs_a_name(app, en, auth, factories):
    factories.SellerFactory(email="s@umkm.test", full_name="Aming")
    auth.login("s@umkm.test")
    response = en.post("/account/profile", data={"full_name": "", "locale": "en"})
    assert response.status_code == 400
    assert get_user(app, "s@umkm.test").full_name == "Aming"


def test_change_password_ends_other_sessions_but_not_this_one(app, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        assert c.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302
        assert c.get("/account/").status_code == 200
    response = laptop.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302  # logged out
    assert phone.post("/auth/login", data={"email": "s@umkm.test", "password": NEW_PASSWORD}).status_code == 302


def test_change_password_kills_old_remember_me_cookies(app, factories):
    factories.SellerFactory(email="s@umkm.test")
    old, current = app.test_client(), app.test_client()
    old.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD, "remember": "y"})
    current.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD})
    current.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD})
    old.delete_cookie("session")
    assert old.get("/account/").status_code == 302


def test_change_password_needs_the_current_one(app, en, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    auth.login("s@umkm.test")
    response = en.post("/account/password", data={"current_password": "wrong-one-123",
                                                  "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422 and "Your current password is not correct." in page_text(response)
    response = en.post("/account/password", data={"current_password": PASSWORD,
                                                  "password": NEW_PASSWORD, "confirm": "different-12345"})
    assert response.status_code == 400 and "The passwords do not match." in page_text(response)
    assert en.post("/auth/logout").status_code == 302
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302


# --- lockout -------------------------------------------------------------------------------

@pytest.fixture
def lock_app(app):
    app.config.update(LOCKOUT_THRESHOLD=3, LOCKOUT_MINUTES=15)
    return app


def _fail(client, n, email="s@umkm.test"):
    for _ in range(n):
        client.post("/auth/login", data={"email": email, "password": "wrong-pass-123"})


def test_account_locks_after_repeated_failures_and_tells_the_owner_once(lock_app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    _fail(en, 3)
    locked = [m for m in outbox(lock_app, to="s@umkm.test") if "/auth/forgot" in m[2]]
    assert len(locked) == 1 and "/auth/forgot" in locked[0][2] and "WIB" in locked[0][2]
    response = en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD})
    # Refused even with the right password, and answered like a wrong one (see below).
    assert response.status_code == 401
    assert "E-mail or password is not correct." in page_text(response)
    assert "locked" not in page_text(response)
    assert en.get("/account/").status_code == 302
    _fail(en, 3)  # more tries while locked: no new notice, the lock does not grow
    assert len([m for m in outbox(lock_app, to="s@umkm.test") if "/auth/forgot" in m[2]]) == 1


def test_lock_ends_after_the_configured_minutes(lock_app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    _fail(en, 3)
    clock.travel(minutes=14)
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 401
    clock.travel(minutes=2)
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302


def test_a_stranger_cannot_use_the_lock_to_keep_the_owner_out(lock_app, en, factories):
    """The owner's browser, where they logged in before, is not locked by someone else's wrong
    passwords; the stranger's, and any other browser, is."""
    factories.SellerFactory(email="s@umkm.test")
    owner = en
    assert owner.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302
    owner.post("/auth/logout")
    stranger = _english_client(lock_app)
    _fail(stranger, 3)
    assert get_user(lock_app, "s@umkm.test").locked_until is not None
    assert stranger.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 401
    assert owner.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302
    assert owner.get("/account/").status_code == 200


def test_a_trusted_browser_of_one_account_is_not_trusted_for_another(lock_app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    factories.SellerFactory(email="t@umkm.test")
    assert en.post("/auth/login", data={"email": "t@umkm.test", "password": PASSWORD}).status_code == 302
    en.post("/auth/logout")
    _fail(_english_client(lock_app), 3)  # s@ is locked
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 401
    # a forged note is not a trusted browser either
    forged = _english_client(lock_app)
    forged.set_cookie("pkb_device", "eyJ1aWQiOjF9.forged.signature")
    assert forged.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 401


def _english_client(app):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _answers(client, email, passwords):
    """What a visitor sees for each try: status and page, the typed address taken out."""
    answers = []
    for password in passwords:
        response = client.post("/auth/login", data={"email": email, "password": password})
        answers.append((response.status_code, page_text(response).replace(email, "ADDRESS")))
    return answers


def test_a_locked_account_answers_like_an_unknown_address(lock_app, factories):
    """The lock must not tell that an account exists: every try, before, at and after the
    lock (right password included), looks the same as for an address nobody has."""
    factories.SellerFactory(email="s@umkm.test")
    tries = ["wrong-pass-123"] * 3 + [PASSWORD, "wrong-pass-123"]
    known = _answers(_english_client(lock_app), "s@umkm.test", tries)
    unknown = _answers(_english_client(lock_app), "nobody@umkm.test", tries)
    assert get_user(lock_app, "s@umkm.test").locked_until is not None
    assert [status for status, _ in known] == [401] * 5
    assert known == unknown
    assert "E-mail or password is not correct." in known[3][1] and 'value="ADDRESS"' in known[3][1]
    # The owner is told by e-mail; nobody else is.
    assert len(outbox(lock_app, to="s@umkm.test")) == 1 and outbox(lock_app, to="nobody@umkm.test") == []


def test_a_locked_account_costs_the_same_password_hash_as_an_unknown_address(lock_app, factories, monkeypatch):
    """The lock refuses without checking the password; the answer still spends one hash, as
    an unknown address does, so its timing does not tell the account exists."""
    from app.services import passwords

    real, verified = passwords._hasher, []

    class Counting:
        def __getattr__(self, name):
            return getattr(real(), name)

        def verify(self, password_hash, password):
            verified.append(password_hash)
            return real().verify(password_hash, password)

    factories.SellerFactory(email="s@umkm.test")
    client = _english_client(lock_app)
    _fail(client, 3)
    monkeypatch.setattr(passwords, "_hasher", Counting)
    client.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD})
    assert len(verified) == 1 and verified[0] != get_user(lock_app, "s@umkm.test").password_hash
    client.post("/auth/login", data={"email": "nobody@umkm.test", "password": PASSWORD})
    assert len(verified) == 2 and verified[1] == verified[0]  # the same stand-in hash


def test_a_success_resets_the_failure_count(lock_app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    _fail(en, 2)
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302
    en.post("/auth/logout")
    _fail(en, 2)
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD}).status_code == 302
    assert get_user(lock_app, "s@umkm.test").failed_logins == 0


def test_resetting_the_password_ends_the_lock(lock_app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    _fail(en, 3)
    en.post("/auth/forgot", data={"email": "s@umkm.test"})
    link = last_link(lock_app, "s@umkm.test", "/auth/reset/")
    en.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert en.post("/auth/login", data={"email": "s@umkm.test", "password": NEW_PASSWORD}).status_code == 302


def test_default_lockout_is_ten_failures_for_fifteen_minutes(app):
    assert app.config["LOCKOUT_THRESHOLD"] == 10 and app.config["LOCKOUT_MINUTES"] == 15


def test_lockout_is_written_to_the_audit_log(lock_app, en, factories):
    factories.SellerFactory(email="s@umkm.test")
    _fail(en, 3)
    with lock_app.app_context():
        actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
    assert actions == ["user.locked"]


def test_reset_request_time_is_unaffected_by_clock_travel_for_other_tokens(app, en, factories):
    """Travelling less than the limit keeps a link valid (the limit is not 'any travel')."""
    factories.SellerFactory(email="s@umkm.test")
    en.post("/auth/forgot", data={"email": "s@umkm.test"})
    clock.travel(timedelta(seconds=app.config["RESET_TOKEN_MAX_AGE"] - 60))
    assert en.get(last_link(app, "s@umkm.test", "/auth/reset/")).status_code == 200
