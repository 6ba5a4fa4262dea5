"""Sessions in a real browser: a civil servant is logged in on a laptop and on a phone; on the
laptop's account page they end the phone's session, and the phone is sent to log in. In
Indonesian and in English; every page visited is checked with axe."""
import re

import pytest
from playwright.sync_api import expect

from app.models import User
from tests.e2e.conftest import PASSWORD, axe_check, make_user, tr

pytestmark = pytest.mark.e2e


def log_in(page, app, email):
    """On the login page, in Indonesian (a visitor's language); the account's own language
    (saved on the account) takes over once logged in."""
    page.get_by_label(tr(app, "E-mail")).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_contain_text("Rina Kartika")


@pytest.mark.parametrize("locale", ["id", "en"])
def test_ending_the_phones_session_from_the_laptop_sends_the_phone_to_log_in(live_server, page, phone_page, locale):
    app, laptop, phone = live_server.app, page, phone_page
    email = f"rina.sesi.{locale}@pontianak.go.id"
    make_user(app, "buyer", email, full_name="Rina Kartika")
    with live_server.db() as session:
        session.execute(User.__table__.update().where(User.email == email).values(locale=locale))
        session.commit()

    phone.goto(live_server.url("/auth/login"))
    log_in(phone, app, email)
    laptop.goto(live_server.url("/auth/login"))
    log_in(laptop, app, email)

    laptop.goto(live_server.url("/account/"))
    expect(laptop.locator("html")).to_have_attribute("lang", locale)
    sessions = laptop.get_by_role("region", name=tr(app, "Where you are logged in", locale))
    android = tr(app, "%(browser)s on %(system)s", locale, browser="Chrome", system="Android")
    phone_row = sessions.get_by_role("row").filter(has_text=android)
    this_row = sessions.get_by_role("row").filter(has_text=tr(app, "This device", locale))
    expect(phone_row).to_have_count(1)
    expect(phone_row).to_contain_text("WIB")
    expect(this_row).to_have_count(1)
    expect(this_row.get_by_role("button")).to_have_count(0)  # this browser logs out instead
    axe_check(laptop)

    phone_row.get_by_role("button", name=tr(app, "End", locale)).click()
    expect(laptop.locator(".flash-messages")).to_contain_text(
        tr(app, "The session on %(device)s has ended: that browser must log in again.", locale, device=android))
    expect(sessions.get_by_role("row").filter(has_text=android)).to_have_count(0)
    expect(this_row).to_have_count(1)
    axe_check(laptop)

    phone.goto(live_server.url("/account/"))
    expect(phone).to_have_url(re.compile(r"/auth/login\?next="))
    expect(phone.locator(".flash-messages")).to_contain_text(tr(app, "Please log in to open this page.", locale))
    expect(phone.get_by_role("button", name=tr(app, "Log in", locale))).to_be_visible()
    axe_check(phone)

    laptop.reload()  # the laptop is still logged in
    expect(laptop.get_by_role("heading", name=tr(app, "My account", locale))).to_be_visible()


def test_a_session_ended_in_one_worker_is_ended_in_the_other_that_kept_it(tmp_path, browser):
    """Two servers on one database and one Redis stand for two workers, each keeping the users
    it read (SIGNED_IN_CACHE_SECONDS). The phone is known to the second; the laptop ends the
    phone's session on the first; the second sends the phone to log in at once."""
    import uuid

    from tests.e2e.conftest import PHONE, PHONE_UA, _new_page, serve_app
    from tests.helpers import TEST_REDIS_URL, redis_or_skip

    conn = redis_or_skip()
    prefix = f"pkbe2e-{uuid.uuid4().hex[:8]}"
    shared = {"REDIS_URL": TEST_REDIS_URL, "JOBS_QUEUE_PREFIX": prefix, "CACHE_KEY_PREFIX": f"{prefix}:cache",
              "SIGNED_IN_CACHE_SECONDS": 60}
    try:
        with serve_app(tmp_path, shared, "first-worker") as first, \
                serve_app(tmp_path, shared, "second-worker") as second:
            app, email = first.app, "rina.dua.pekerja@pontianak.go.id"
            make_user(app, "buyer", email, full_name="Rina Kartika")
            phone_context, phone = _new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True,
                                             user_agent=PHONE_UA)
            laptop_context, laptop = _new_page(browser)
            try:
                phone.goto(first.url("/auth/login"))
                log_in(phone, app, email)
                phone.goto(second.url("/account/"))  # the second worker reads the user and keeps it
                expect(phone.get_by_role("heading", level=1)).to_be_visible()
                expect(phone).to_have_url(second.url("/account/"))

                laptop.goto(first.url("/auth/login"))
                log_in(laptop, app, email)
                laptop.goto(first.url("/account/"))
                sessions = laptop.get_by_role("region", name=tr(app, "Where you are logged in"))
                android = tr(app, "%(browser)s on %(system)s", browser="Chrome", system="Android")
                sessions.get_by_role("row").filter(has_text=android).get_by_role(
                    "button", name=tr(app, "End")).click()
                expect(sessions.get_by_role("row").filter(has_text=android)).to_have_count(0)

                phone.goto(second.url("/account/"))
                expect(phone).to_have_url(re.compile(r"/auth/login\?next="))
                expect(phone.locator(".flash-messages")).to_contain_text(tr(app, "Please log in to open this page."))
                phone.screenshot(path=str(tmp_path / "phone-sent-to-log-in.png"))
            finally:
                phone_context.close()
                laptop_context.close()
    finally:
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)
        conn.close()
