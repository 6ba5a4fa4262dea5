"""Every account and admin page of the foundation passes axe (no serious or critical
violation), also with form errors shown and on a phone with the menu open."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, axe_check, make_user, tr

pytestmark = pytest.mark.e2e

ANONYMOUS_PAGES = ["/", "/auth/register", "/auth/login", "/auth/forgot", "/auth/verify/resend",
                   "/auth/verify/not-a-token", "/auth/reset/not-a-token", "/no/such/page"]
ADMIN_PAGES = ["/admin/", "/admin/invitations", "/admin/outbox", "/admin/users", "/account/",
               "/account/profile", "/account/password"]


def test_pages_pass_axe(live_server, page):
    app = live_server.app
    for path in ANONYMOUS_PAGES:
        page.goto(live_server.url(path))
        axe_check(page)

    # A form with errors: invalid fields are marked and described.
    page.goto(live_server.url("/auth/register"))
    page.get_by_role("button", name=tr(app, "Register")).click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    axe_check(page)

    make_user(app, "admin", "axe.admin@pontianak.go.id", full_name="Dewi Lestari")
    page.goto(live_server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail")).fill("axe.admin@pontianak.go.id")
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    for path in ADMIN_PAGES:
        page.goto(live_server.url(path))
        axe_check(page)
    page.get_by_role("button", name="Dewi Lestari").click()  # the open account menu
    axe_check(page)


def test_phone_menu_passes_axe(live_server, phone_page):
    app, page = live_server.app, phone_page
    page.goto(live_server.url("/"))
    page.get_by_role("button", name=tr(app, "Open menu")).click()
    expect(page.get_by_role("link", name=tr(app, "Log in"))).to_be_visible()
    axe_check(page)


def test_axe_check_fails_on_serious_problems(page):
    page.set_content('<html lang="id"><head><title>x</title></head><body><main>'
                     '<img src="/static/img/logo.svg"><input type="text"></main></body></html>')
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page)
    assert "image-alt" in str(failure.value) and "label" in str(failure.value)
