"""The top navigation fits one line and never makes the page scroll sideways, for every
demo role and for a person who holds every role at once (admin, mentor, seller, and a buyer
who purchases and approves for their department), in both languages, on a small laptop
(1280), the common laptop (1366) and a desktop (1920); on a phone (390) the brand, the
tools and the menu button share one line."""
import pytest

from app.demo import DEMO_PASSWORD
from tests.e2e.conftest import serve_app

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 1366, 1920, 390)
EVERY_ROLE = "semua.peran@pontianak.go.id"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from app.demo import _person, seed_demo
    from app.extensions import db
    from app.models import Department
    from app.procurement.demo import _role

    with serve_app(tmp_path_factory.mktemp("nav")) as live:
        with live.app.app_context():
            logins = [(role, email) for role, email, _password in seed_demo()]
            department = db.session.execute(
                db.select(Department).where(Department.code == "DISKOMINFO")).scalar_one()
            everyone = _person(EVERY_ROLE, "Maria Goreti Sulistyowati", ("admin", "mentor", "seller", "buyer"),
                               department)
            db.session.flush()
            _role(everyone, department, "purchaser")
            _role(everyone, department, "approver")
            db.session.commit()
            db.session.remove()
        yield live, logins + [("every role", EVERY_ROLE)]


def header_layout(page):
    """The header's height and the distinct vertical positions of what it shows."""
    return page.evaluate("""() => {
        const nav = document.querySelector('header nav');
        const shown = [...nav.querySelectorAll(
            '.navbar-brand, .nav-tools > *, .navbar-toggler, #mainNav > ul > li')]
            .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden');
        const middles = shown.map(el => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; });
        return {height: nav.getBoundingClientRect().height,
                rows: [...new Set(middles.map(m => Math.round(m / 12)))].length,
                scroll: document.documentElement.scrollWidth};
    }""")


@pytest.mark.parametrize("locale", ["id", "en"])
def test_the_header_is_one_line_for_every_role_at_every_width(demo_server, browser, locale):
    live, logins = demo_server
    for role, email in logins:
        context = browser.new_context(viewport={"width": 1366, "height": 800})
        page = context.new_page()
        page.goto(live.url("/auth/login"))
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state("load")
        if page.evaluate("document.documentElement.lang") != locale:  # saved on the account
            with page.expect_navigation():
                page.locator("form.lang-switch button[name=lang]").click()  # one click
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(live.url("/"))
            assert page.evaluate("document.documentElement.lang") == locale
            layout = header_layout(page)
            where = f"{role} ({email}), {locale}, {width}px"
            assert layout["scroll"] <= width, f"{where}: the page is {layout['scroll']}px wide"
            assert layout["rows"] == 1, f"{where}: the header's items stand on {layout['rows']} lines"
            assert layout["height"] <= 64, f"{where}: the header is {layout['height']}px high"
            # Spread out on laptops and desktops, folded behind the menu button on a phone.
            assert page.locator(".navbar-toggler").is_visible() == (width < 1200), where
        context.close()
