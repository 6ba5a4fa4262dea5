"""The lists under "Save to list" are kept with the signed-in user in each worker
(signed_in_cache.kept). In a real browser, two servers on one database and one Redis stand for
two workers: the buyer opens a product on the first (which then keeps their lists), makes a
new list on the second, and the first offers it at once; saving to it works. On a phone in
Indonesian and on a desktop in English; every page checked with axe."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from app.models import User
from tests.e2e.conftest import PASSWORD, PHONE, PHONE_UA, _new_page, axe_check, make_user, serve_app, tr

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("locale, size", [("id", "phone"), ("en", "desktop")])
def test_a_list_made_in_one_worker_is_offered_at_once_by_the_other(tmp_path, browser, locale, size):
    from app.extensions import db
    from tests import factories
    from tests.helpers import TEST_REDIS_URL, redis_or_skip

    conn = redis_or_skip()
    prefix = f"pkbe2elists-{uuid.uuid4().hex[:8]}"
    shared = {"REDIS_URL": TEST_REDIS_URL, "JOBS_QUEUE_PREFIX": prefix, "CACHE_KEY_PREFIX": f"{prefix}:cache",
              "SIGNED_IN_CACHE_SECONDS": 60, "CATALOG_CACHE_SECONDS": 60, "CATALOG_FRAGMENT_SECONDS": 60}
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "user_agent": PHONE_UA} \
        if size == "phone" else {"viewport": {"width": 1280, "height": 900}}
    try:
        with serve_app(tmp_path, shared, "first-worker") as first, \
                serve_app(tmp_path, shared, "second-worker") as second:
            app, email = first.app, f"dewi.daftar.{locale}@pontianak.go.id"
            make_user(app, "buyer", email, full_name="Dewi Lestari")
            with app.app_context():
                db.session.execute(User.__table__.update().where(User.email == email).values(locale=locale))
                slug = factories.ProductFactory(live=True, name="Kopi Bubuk Aming", price=45000, stock=50).slug
                db.session.commit()
                db.session.remove()
            context, page = _new_page(browser, **options)
            try:
                page.goto(first.url("/auth/login"))
                page.get_by_label(tr(app, "E-mail")).fill(email)
                page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
                page.get_by_role("button", name=tr(app, "Log in")).click()
                expect(page.locator(".flash-messages")).to_contain_text("Dewi Lestari")

                for _ in range(2):  # the first worker reads the lists, then serves them kept
                    page.goto(first.url(f"/produk/{slug}"))
                    page.locator("details.save-to-list summary").click()
                    select = page.get_by_label(tr(app, "List", locale), exact=True)
                    expect(select.locator("option")).to_have_text([tr(app, "A new list…", locale)])
                axe_check(page)

                page.goto(second.url("/lists/"))
                page.get_by_label(tr(app, "Name of the list", locale)).fill("ATK kantor")
                page.get_by_role("button", name=tr(app, "Make the list", locale)).click()
                expect(page.get_by_text("ATK kantor").first).to_be_visible()
                axe_check(page)

                page.goto(first.url(f"/produk/{slug}"))
                page.locator("details.save-to-list summary").click()
                select = page.get_by_label(tr(app, "List", locale), exact=True)
                expect(select.locator("option")).to_have_text(["ATK kantor", tr(app, "A new list…", locale)])
                select.select_option(label="ATK kantor")
                page.get_by_label(tr(app, "Number to keep on the list", locale)).fill("3")
                page.locator("details.save-to-list").get_by_role("button", name=tr(app, "Save to list", locale)).click()
                expect(page.locator(".flash-messages")).to_contain_text(re.compile("ATK kantor"))
                page.screenshot(path=str(tmp_path / f"saved-to-list-{locale}-{size}.png"), full_page=True)
                axe_check(page)
            finally:
                context.close()
    finally:
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)
        conn.close()
