"""Sessions live on the server (issue 14, item 1): logging out, "log out everywhere", ending
one session from the account page, a password change or reset, a lock and an admin's
deactivation each end the cookies issued before, wherever they were copied to."""
from datetime import timedelta

import pytest

from app import clock, jobs
from app.auth.session import load_user
from app.extensions import db
from app.jobs.runner import job_context
from app.models import AuditEntry, User, UserSession
from tests.conftest import PASSWORD
from tests.helpers import count, counting_statements, last_link, page_text

NEW_PASSWORD = "Kopi-Aming-77x"
PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/120.0 Mobile Safari/537.36")
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
TABLET = ("Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.2 Mobile/15E148 Safari/604.1")


def browser(app, user_agent=PHONE, english=True):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    if english:
        client.post("/language", data={"lang": "en", "next": "/"})
    return client


def log_in(client, email, **extra):
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD, **extra})
    assert response.status_code == 302 and "/auth/login" not in response.location, response.status_code
    return response


def copy_of(client, *names):
    """A second browser holding copies of ``client``'s cookies (what a thief would send)."""
    thief = client.application.test_client()
    for name in names:
        thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def sent_to_login(response):
    return response.status_code == 302 and response.location.startswith("/auth/login")


def session_of(app, email, user_agent):
    with app.app_context():
        return db.session.execute(
            db.select(UserSession).join(User, User.id == UserSession.user_id)
            .where(User.email == email, UserSession.user_agent == user_agent)).scalar_one()


@pytest.fixture
def buyer(factories):
    return factories.BuyerFactory(email="ayu@pontianak.go.id", full_name="Ayu Pratiwi").email


# --- the reproductions -----------------------------------------------------------------

def test_a_copied_session_cookie_is_sent_to_log_in_after_logout(app, buyer):
    client = browser(app)
    log_in(client, buyer)
    thief = copy_of(client, "session")
    assert thief.get("/orders/").status_code == 200  # the copy works while the session lives
    assert client.post("/auth/logout").status_code == 302
    response = thief.get("/orders/")
    assert sent_to_login(response) and "next=%2Forders%2F" in response.location


def test_a_copied_remember_me_cookie_is_refused_after_logout(app, buyer):
    client = browser(app)
    log_in(client, buyer, remember="y")
    thief = copy_of(client, "remember_token")
    assert thief.get("/orders/").status_code == 200
    client.post("/auth/logout")
    assert sent_to_login(thief.get("/orders/"))
    assert sent_to_login(client.get("/orders/"))


def test_a_cookie_from_before_the_upgrade_opens_nothing(app_ctx, factories):
    user = factories.BuyerFactory()
    assert load_user(f"{user.id}:{user.session_version}") is None  # the old <id>:<version> form
    assert load_user(f"{user.id}:") is None and load_user("") is None and load_user("x:y") is None


# --- the account page ---------------------------------------------------------------------------

def test_the_account_page_lists_the_sessions_and_marks_this_device(app, buyer):
    phone, laptop = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer)
    log_in(laptop, buyer)
    clock.travel(minutes=10)
    page = page_text(laptop.get("/account/"))
    assert "Where you are logged in" in page
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    assert page.count("This device") == 1
    this_row = page.split("Firefox on Windows", 1)[1].split("</tr>", 1)[0]
    assert "This device" in this_row and "End" not in this_row  # this browser logs out instead
    assert "WIB" in this_row
    other_row = page.split("Chrome on Android", 1)[1].split("</tr>", 1)[0]
    assert f'action="/account/sessions/{session_of(app, buyer, PHONE).id}/end"' in other_row


def test_ending_one_session_ends_that_one_only(app, buyer):
    phone, laptop, tablet = browser(app, PHONE), browser(app, LAPTOP), browser(app, TABLET)
    for client in (phone, laptop, tablet):
        log_in(client, buyer, remember="y")
    phone_session = session_of(app, buyer, PHONE)
    response = laptop.post(f"/account/sessions/{phone_session.id}/end", follow_redirects=True)
    assert "The session on Chrome on Android has ended" in page_text(response)
    assert "Chrome on Android" not in page_text(laptop.get("/account/"))
    assert sent_to_login(phone.get("/account/"))
    assert sent_to_login(copy_of(phone, "remember_token").get("/account/"))
    assert tablet.get("/account/").status_code == 200 and laptop.get("/account/").status_code == 200
    with app.app_context():
        entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "user.session_ended")).scalar_one()
        assert entry.object_id == phone_session.id


def test_ending_this_browsers_own_session_logs_it_out(app, buyer):
    laptop = browser(app, LAPTOP)
    log_in(laptop, buyer)
    own = session_of(app, buyer, LAPTOP)
    assert sent_to_login(laptop.post(f"/account/sessions/{own.id}/end"))
    assert sent_to_login(laptop.get("/account/"))


def test_nobody_ends_another_users_session(app, buyer, factories):
    factories.SellerFactory(email="aming@umkm.test")
    victim, other = browser(app, PHONE), browser(app, LAPTOP)
    log_in(victim, buyer)
    log_in(other, "aming@umkm.test")
    response = other.post(f"/account/sessions/{session_of(app, buyer, PHONE).id}/end")
    assert response.status_code == 404
    assert victim.get("/account/").status_code == 200


def test_an_ended_session_cannot_be_ended_twice(app, buyer):
    phone, laptop = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer)
    log_in(laptop, buyer)
    phone_id = session_of(app, buyer, PHONE).id
    laptop.post(f"/account/sessions/{phone_id}/end")
    assert laptop.post(f"/account/sessions/{phone_id}/end").status_code == 404


def test_log_out_everywhere_ends_every_session_this_one_included(app, buyer):
    phone, laptop = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer, remember="y")
    log_in(laptop, buyer)
    remembered = copy_of(phone, "remember_token")
    response = laptop.post("/account/sessions/end-all", follow_redirects=True)
    assert "You have logged out on every device, this one included." in page_text(response)
    for client in (phone, laptop, remembered):
        assert sent_to_login(client.get("/account/"))
    log_in(phone, buyer)  # logging in again works, with a new session
    assert phone.get("/account/").status_code == 200
    with app.app_context():
        entry = db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == "user.logged_out_everywhere")).scalar_one()
        assert entry.after == {"sessions": 2}


# --- the other events that end sessions ------------------------------------------------------------

def test_password_change_ends_the_other_sessions_and_their_remember_me(app, buyer):
    phone, laptop = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer, remember="y")
    log_in(laptop, buyer, remember="y")
    remembered = copy_of(phone, "remember_token")
    response = laptop.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert copy_of(laptop, "remember_token").get("/account/").status_code == 200
    assert sent_to_login(phone.get("/account/")) and sent_to_login(remembered.get("/account/"))


def test_password_reset_ends_every_session(app, buyer):
    phone, laptop = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer, remember="y")
    laptop.post("/auth/forgot", data={"email": buyer})
    laptop.post(last_link(app, buyer, "/auth/reset/"), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert sent_to_login(phone.get("/account/"))
    assert sent_to_login(copy_of(phone, "remember_token").get("/account/"))


def test_a_lock_ends_every_session(app, buyer):
    app.config.update(LOCKOUT_THRESHOLD=3)
    phone, guesser = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer, remember="y")
    for _ in range(3):
        guesser.post("/auth/login", data={"email": buyer, "password": "wrong-pass-123"})
    assert sent_to_login(phone.get("/account/"))
    assert sent_to_login(copy_of(phone, "remember_token").get("/account/"))


def test_an_admins_deactivation_ends_every_session_and_reactivation_lets_them_log_in(app, buyer, factories):
    factories.AdminFactory(email="dewi@pontianak.go.id")
    phone, admin = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer, remember="y")
    remembered = copy_of(phone, "remember_token")
    log_in(admin, "dewi@pontianak.go.id")
    with app.app_context():
        user_id = db.session.execute(db.select(User.id).where(User.email == buyer)).scalar_one()
    response = admin.post(f"/admin/users/{user_id}/deactivate", follow_redirects=True)
    assert "ayu@pontianak.go.id is deactivated and logged out everywhere." in page_text(response)
    assert sent_to_login(phone.get("/account/")) and sent_to_login(remembered.get("/account/"))
    refused = phone.post("/auth/login", data={"email": buyer, "password": PASSWORD})
    assert refused.status_code == 403 and "This account has been deactivated" in page_text(refused)
    admin.post(f"/admin/users/{user_id}/reactivate")
    log_in(phone, buyer)
    assert phone.get("/account/").status_code == 200
    with app.app_context():
        actions = db.session.execute(db.select(AuditEntry.action).where(AuditEntry.object_id == user_id,
                                                                        AuditEntry.object_type == "user")).scalars()
        assert {"user.deactivated", "user.reactivated"} <= set(actions)


def test_an_admin_cannot_deactivate_their_own_account(app, factories):
    admin_user = factories.AdminFactory(email="dewi@pontianak.go.id")
    admin = browser(app, LAPTOP)
    log_in(admin, admin_user.email)
    response = admin.post(f"/admin/users/{admin_user.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in page_text(response)
    assert admin.get("/admin/users").status_code == 200


def test_an_unused_session_ends_after_the_idle_days(app, buyer):
    app.config["SESSION_IDLE_DAYS"] = 30
    phone, laptop = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer, remember="y")
    log_in(laptop, buyer, remember="y")
    clock.travel(days=29)
    assert laptop.get("/account/").status_code == 200  # used: its idle time starts again
    clock.travel(days=2)
    assert sent_to_login(phone.get("/account/"))
    assert sent_to_login(copy_of(phone, "remember_token").get("/account/"))
    assert laptop.get("/account/").status_code == 200


# --- speed ------------------------------------------------------------------------------------------

def test_the_user_loader_is_one_sql_statement(app, buyer):
    client = browser(app)
    log_in(client, buyer)
    with client.session_transaction() as cookie_session:
        user_id = cookie_session["_user_id"]
    with app.app_context():
        db.session.remove()  # nothing remembered from the log-in
        with counting_statements() as statements:
            user = load_user(user_id)
            assert user.email == buyer and user.is_active and user.has_role("buyer")
            assert user.current_session.user_agent == PHONE
        assert len(statements) == 1, statements


def test_last_seen_is_written_at_most_every_few_minutes(app, buyer):
    client = browser(app)
    log_in(client, buyer)

    def last_seen():
        with app.app_context():
            return session_of(app, buyer, PHONE).last_seen_at

    logged_in_at = last_seen()
    with app.app_context(), counting_statements() as statements:
        clock.travel(minutes=2)
        assert client.get("/account/").status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    assert last_seen() == logged_in_at
    clock.travel(minutes=4)
    client.get("/account/")
    assert last_seen() > logged_in_at + timedelta(minutes=5)


def test_the_daily_job_forgets_sessions_ended_a_week_ago(app, buyer):
    phone, laptop = browser(app, PHONE), browser(app, LAPTOP)
    log_in(phone, buyer)
    log_in(laptop, buyer)
    phone.post("/auth/logout")
    clock.travel(days=6)
    assert laptop.get("/account/").status_code == 200

    def prune():
        job = {p.name: p for p in jobs.periodic_jobs()}["sessions-prune"]
        assert job.every == timedelta(days=1)
        with job_context(app):
            return jobs.resolve(job.path)()

    assert prune() == 0 and count(app, UserSession) == 2
    clock.travel(days=2)
    assert prune() == 1 and count(app, UserSession) == 1
    assert laptop.get("/account/").status_code == 200


# --- devices ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("user_agent, device", [
    (PHONE, "Chrome on Android"),
    (LAPTOP, "Firefox on Windows"),
    (TABLET, "Safari on iPad"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1", "Chrome on iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36 Edg/120.0.2210.91", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
     "Chrome on Linux"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36", "Chrome on ChromeOS"),
    ("curl/8.5.0", "Unknown device"),
    ("", "Unknown device"),
    ("SomeApp/1.0 (Windows NT 10.0)", "A browser on Windows"),
])
def test_devices_are_named_as_people_know_them(app, user_agent, device):
    from flask_babel import force_locale

    from app.services.sessions import describe_device

    with app.test_request_context(), force_locale("en"):
        assert describe_device(user_agent) == device


def test_devices_are_named_in_indonesian(app):
    from flask_babel import force_locale

    from app.services.sessions import describe_device

    with app.test_request_context(), force_locale("id"):
        assert describe_device(PHONE) == "Chrome di Android"
        assert describe_device("curl/8.5.0") == "Perangkat tidak dikenal"
