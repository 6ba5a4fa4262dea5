"""Issue 8's journey in a real browser: an admin opens the dashboard, changes the period,
downloads the XLSX; the charts are drawn (the canvas is not blank); a mentor and a seller
see only their own figures; the OCDS package is public. axe runs on every page."""
import io
import json
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PASSWORD, axe_check, tr

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(live_server):
    from app.extensions import db
    from tests import factories
    from tests.dashboard_helpers import build_world

    with live_server.app.app_context():
        w = build_world(factories)
        data = {"admin": w.admin.email, "mentor": w.mentor1.email, "seller": w.kopi_seller.email,
                "approver": w.approver_a.email}
        db.session.remove()
    return data


def _session(browser, live_server, email):
    app = live_server.app
    context = browser.new_context(viewport=DESKTOP, locale="id-ID", timezone_id="Asia/Pontianak",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and "Failed to load resource" not in msg.text
            and errors.append(msg.text))
    page.console_errors = errors
    page.goto(live_server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_be_visible()
    if page.locator("html").get_attribute("lang") != "en":
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()  # the one-click language toggle
    expect(page.locator("html")).to_have_attribute("lang", "en")
    return context, page


def _drawn_pixels(canvas):
    """Non-white pixels in a screenshot of the canvas."""
    image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if r < 240 or g < 240 or b < 240)


def _set_period(page, start, end, by="week"):
    page.get_by_label("From", exact=True).fill(start)
    page.get_by_label("To", exact=True).fill(end)
    page.get_by_label("Group", exact=True).select_option(by)
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()


def test_admin_dashboard_period_charts_and_xlsx(browser, live_server, world):
    context, page = _session(browser, live_server, world["admin"])
    page.goto(live_server.url("/admin/"))
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    axe_check(page)

    # March 2025 by week: the known sales.
    _set_period(page, "2025-03-01", "2025-03-31")
    expect(page.get_by_text("Showing Mar 1, 2025 to Mar 31, 2025 (WIB).")).to_be_visible()
    sales = page.locator("#tbl-sales")
    expect(sales.get_by_role("row", name="Mar 3, 2025")).to_contain_text("Rp 160.000")
    expect(page.locator("#tbl-departments")).to_contain_text("Dinas Pendidikan dan Kebudayaan")
    axe_check(page)

    # Every chart is drawn, beside its table.
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 6
    for index in range(canvases.count()):
        canvas = canvases.nth(index)
        canvas.scroll_into_view_if_needed()
        expect(canvas).to_have_attribute("data-drawn", "1")
        assert _drawn_pixels(canvas) > 200, canvas.get_attribute("id")

    # The charts' money reads like the tables' (English page: "Rp 150.000", not "150,000").
    for key, axis in (("sales", "y"), ("departments", "x")):
        ticks = page.evaluate(f"Chart.getChart(document.getElementById('chart-{key}')).scales.{axis}.ticks"
                              ".map(t => t.label)")
        assert ticks and all(t.startswith("Rp\u00a0") and "," not in t for t in ticks), (key, ticks)
    assert "Rp\u00a0100.000" in page.evaluate(
        "Chart.getChart(document.getElementById('chart-sales')).scales.y.ticks.map(t => t.label)")
    # No table is cut: each fits its card (the six-column sales table lost "Orders" beside its
    # chart), its week and month labels stay on one line, and "Rp" stays with its number.
    cut = page.evaluate("""() => [...document.querySelectorAll('.dash-table')]
        .filter(box => box.scrollWidth > box.clientWidth + 1).map(box => box.querySelector('table').id)""")
    assert not cut, f"tables wider than their card: {cut}"
    broken = page.evaluate("""() => [...document.querySelectorAll(
            '#tbl-sales th[scope=row], .dash-table td.text-end')]
        .filter(el => { const text = document.createRange(); text.selectNodeContents(el);
                        return new Set([...text.getClientRects()].map(r => Math.round(r.top))).size > 1; })
        .map(el => el.textContent.trim())""")
    assert not broken, f"cells broken over two lines: {broken}"

    # The XLSX download holds the figures of the chosen period.
    with page.expect_download() as info:
        page.locator("#section-sales").get_by_role("link", name="Excel (XLSX)").click()
    download = info.value
    assert download.suggested_filename == "pasar-2025-03-01-2025-03-31-sales.xlsx"
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[2] == [datetime(2025, 3, 3), 100000, 60000, 0, 160000, 2]

    # A reversed period says so.
    _set_period(page, "2025-03-31", "2025-03-01")
    expect(page.get_by_role("alert")).to_contain_text("is after the end date")
    axe_check(page)

    # The audit log and the open-data page.
    page.goto(live_server.url("/admin/audit/"))
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    axe_check(page)
    page.goto(live_server.url("/open-data/ocds"))
    axe_check(page)
    package = json.loads(page.request.get(live_server.url("/open-data/ocds/releases.json")).text())
    assert len(package["releases"]) == 3
    assert not page.console_errors, page.console_errors
    context.close()


def test_mentor_sees_only_their_cohort(browser, live_server, world):
    context, page = _session(browser, live_server, world["mentor"])
    page.get_by_role("link", name="My cohort").click()
    _set_period(page, "2025-03-01", "2025-03-31")
    expect(page.locator("#tbl-store_sales")).to_contain_text("Kopi Aming")
    expect(page.locator("#tbl-store_sales")).to_contain_text("Rp 310.000")
    expect(page.locator("main")).not_to_contain_text("Rotan Jaya")
    expect(page.locator("#tbl-documents")).to_contain_text("HALAL-KOPI-1")
    expect(page.locator("#chart-store_sales")).to_have_attribute("data-drawn", "1")
    axe_check(page)
    assert page.request.get(live_server.url("/dashboards/admin")).status == 403
    assert not page.console_errors, page.console_errors
    context.close()


def test_seller_sees_only_their_store(browser, live_server, world):
    context, page = _session(browser, live_server, world["seller"])
    page.get_by_role("link", name="Dashboard", exact=True).click()
    _set_period(page, "2025-03-01", "2025-03-31")
    expect(page.get_by_role("heading", name="Dashboard of Kopi Aming")).to_be_visible()
    expect(page.locator("#tbl-best_sellers")).to_contain_text("Kopi Bubuk Aming")
    expect(page.locator("main")).not_to_contain_text("Keranjang Rotan")
    expect(page.locator("#tbl-balance")).to_contain_text("Rp 80.000")
    canvas = page.locator("#chart-sales")
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_have_attribute("data-drawn", "1")
    assert _drawn_pixels(canvas) > 200
    axe_check(page)
    assert page.request.get(live_server.url("/dashboards/mentor")).status == 403
    assert not page.console_errors, page.console_errors
    context.close()


def test_approver_department_page(browser, live_server, world):
    context, page = _session(browser, live_server, world["approver"])
    # A buyer who approves has two groups (shopping, department): the department's menu.
    page.locator("#mainNav").get_by_role("button", name=re.compile("^Department")).click()
    page.get_by_role("link", name="Department dashboard").click()
    _set_period(page, "2025-03-01", "2025-03-31", by="month")
    expect(page.locator("#tbl-budget")).to_contain_text("5.1.02.01.01.0024")
    expect(page.locator("main")).not_to_contain_text("Dinas Pendidikan")
    axe_check(page)
    assert not page.console_errors, page.console_errors
    context.close()
