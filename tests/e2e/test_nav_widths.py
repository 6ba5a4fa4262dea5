"""The top navigation never makes a page scroll sideways, for any demo role, in either
language, from a small laptop to a wide screen: with every menu a role has (a purchaser
who is also an approver has the most), the menu collapses behind its button below 1200px."""
import pytest

from tests.e2e.conftest import serve_app

pytestmark = pytest.mark.e2e

WIDTHS = (1199, 1200)  # either side of the breakpoint: the narrowest spread-out menu, and the folded one


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from app.demo import seed_demo

    with serve_app(tmp_path_factory.mktemp("nav")) as live:
        with live.app.app_context():
            logins = seed_demo()
        yield live, logins


@pytest.mark.parametrize("locale", ["id", "en"])
def test_no_role_gets_a_menu_wider_than_the_screen(demo_server, browser, locale):
    live, logins = demo_server
    for role, email, password in logins:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(live.url("/auth/login"))
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state("load")
        if page.evaluate("document.documentElement.lang") != locale:  # saved on the account
            with page.expect_navigation():
                page.locator("form.lang-switch select").select_option(locale)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live.url("/"))
            page.wait_for_load_state("load")
            assert page.evaluate("document.documentElement.lang") == locale
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{role} {locale} at {width}px: the page is {scroll}px wide"
            toggler = page.locator(".navbar-toggler")
            # Collapsed behind the menu button below 1200px, spread out from 1200px on.
            assert toggler.is_visible() == (width < 1200), f"{role} at {width}px"
        context.close()
