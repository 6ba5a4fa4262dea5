"""Sellers on phones: at 375x667 the incoming orders are cards whose buttons are within
reach. The seller opens the menu, accepts an order and marks it ready by tapping buttons
that lie inside the screen's width, in Indonesian and in English; the page never scrolls
sideways and axe finds nothing. On a desktop the same list is still a table. The other
tables with per-row actions (store documents, store members, payout batch) keep their
controls on screen too."""
import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import DESKTOP, PASSWORD, axe_check, tr

pytestmark = pytest.mark.e2e

PHONE_SE = {"width": 375, "height": 667}
# Set to a directory to keep a picture of each phone page the journey sees.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


@pytest.fixture(scope="module")
def shop(live_server):
    """Per language, a store with a seller speaking it and two orders placed for it; a store
    of someone else with an order of its own; a payout batch for an admin."""
    from app.extensions import db
    from app.models import Payout, PayoutBatch, Store, StoreMember
    from app.services import cart, checkout
    from tests import factories

    app = live_server.app
    data = {}
    with app.test_request_context():
        department = factories.DepartmentFactory(
            name="Dinas Perindustrian, Perdagangan, Koperasi dan Usaha Kecil dan Menengah")
        buyer = factories.BuyerFactory(full_name="Budi Santoso Wirjosoemarto", department=department)
        admin = factories.AdminFactory(locale="en")
        for index, locale in enumerate(("id", "en", "other")):
            coffee = factories.ProductFactory(live=True, name="Kopi Aming Bubuk Robusta Pilihan 250 g", price=45000,
                                              stock=50)
            scarf = factories.ProductFactory(live=True, name="Syal Tenun Corak Insang Biru", price=250000,
                                             stock=50, store=coffee.store)
            seller = factories.store_owner(coffee.store)
            seller.locale = "en" if locale == "en" else "id"
            numbers = []
            for attempt in range(2):
                cart.add_item(buyer, coffee.id, 2)
                cart.add_item(buyer, scarf.id, 1)
                result = checkout.place_orders(
                    buyer, f"phone-{index}-{attempt}-xxxxxxxxxxxxxxxx",
                    checkout.Details("office", "Kantor Dinas, ruang rapat lantai 2",
                                     clock.today() + timedelta(days=2), "10-12", "cod"))
                numbers.append(result.orders[0].number)
            data[locale] = {"seller": seller.email, "numbers": numbers, "store_id": coffee.store_id}
        store = db.session.get(Store, data["id"]["store_id"])
        # A member with a long address, and documents with a file and one to renew soon.
        member = factories.SellerFactory(email="anggota.toko.dengan.alamat.panjang@pontianak.go.id",
                                         full_name="Siti Nurhaliza Rahmawati")
        store.members.append(StoreMember(user=member, role="member"))
        factories.DocumentFactory(store=store, kind="halal", issuer="BPJPH Kalimantan Barat",
                                  expires_on=clock.today() + timedelta(days=30), file_key="private/docs/halal.pdf")
        batch = PayoutBatch(period_start=clock.today() - timedelta(days=7), period_end=clock.today(),
                            created_by_id=admin.id)
        db.session.add(batch)
        db.session.flush()
        db.session.add(Payout(batch=batch, store_id=store.id, amount=1_250_000,
                              reference=f"PKB-PO-{batch.id:04d}-{store.id:04d}", bank_name="Bank Kalbar",
                              bank_account_number="1234567890", bank_account_holder=store.name))
        db.session.commit()
        data.update(admin=admin.email, batch_id=batch.id)
        db.session.remove()
    return data


def _order_id(app, number):
    from app.extensions import db
    from app.models import Order

    with app.app_context():
        order_id = db.session.execute(db.select(Order.id).where(Order.number == number)).scalar_one()
        db.session.remove()
        return order_id


def _state(app, number):
    from app.extensions import db
    from app.models import Order

    with app.app_context():
        state = db.session.execute(db.select(Order.state).where(Order.number == number)).scalar_one()
        db.session.remove()
        return state


def _open(browser, viewport, phone):
    options = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if phone else {}
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Pontianak", viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))  # a CSP violation or a script error
    page.on("console", lambda msg: msg.type == "error" and "Failed to load resource" not in msg.text
            and errors.append(msg.text))
    page.console_errors = errors
    return context, page


def _log_in(page, live_server, email):
    app = live_server.app  # the login page speaks Indonesian (nobody is known yet)
    page.goto(live_server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_be_visible()


def _no_sideways_scroll(page, width=PHONE_SE["width"]):
    # A phone browser widens its layout viewport to fit overflowing content, so innerWidth
    # must still be the screen's width, and nothing may be wider than it.
    page.wait_for_load_state("load")  # measured with the stylesheet, not before it
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[1] == width and widths[0] <= widths[1], \
        f"{page.url} scrolls sideways: scrollWidth {widths[0]}, innerWidth {widths[1]}, screen {width}"


def _reachable(locator, width=PHONE_SE["width"]):
    """The control lies inside the screen's width and is at least 44px high. Not scrolled into
    view first: that would scroll a wide table sideways, the very thing a thumb should not need.
    The control is awaited first: right after a tap the old page is still the one loaded, and its
    load state would not wait for the new page's stylesheet (a CI run measured a 38px button
    between Bootstrap's CSS and app.css, which gives touch screens 44px)."""
    expect(locator).to_be_attached()
    locator.page.wait_for_load_state("load")  # measured with the stylesheet, not before it
    box = locator.bounding_box()
    assert box is not None, "the control is not displayed"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"off screen sideways: {box}"
    assert box["height"] >= 44, f"touch target under 44px: {box}"


def _clean(page):
    """axe: nothing serious (the harness's rule) and nothing at all on these pages."""
    results = axe_check(page)
    found = [f"{v['id']} ({v['impact']})" for v in results.response["violations"]]
    assert not found, f"axe on {page.url}: {found}"


def _picture(page, name):
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


@pytest.mark.parametrize("locale", ["id", "en"])
def test_seller_accepts_and_readies_an_order_on_a_phone(live_server, browser, shop, locale):
    app = live_server.app

    def t(msgid):
        return tr(app, msgid, locale=locale)

    first, second = shop[locale]["numbers"]
    context, page = _open(browser, PHONE_SE, phone=True)
    _log_in(page, live_server, shop[locale]["seller"])
    expect(page.locator("html")).to_have_attribute("lang", locale)

    # The menu is folded on a phone: open it and go to the incoming orders.
    page.get_by_role("button", name=t("Open menu")).tap()
    page.locator("header").get_by_role("link", name=t("Incoming orders")).tap()
    expect(page.get_by_role("heading", name=t("Incoming orders"))).to_be_visible()
    _no_sideways_scroll(page)
    _clean(page)
    _picture(page, f"seller-orders-phone-{locale}.png")

    # Each order is a card: the header row is off screen but still names the cells, and
    # each value carries its column's name as a visible label.
    card = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=first))
    expect(card).to_be_visible()
    assert card.evaluate("row => getComputedStyle(row).display") == "flex"
    for column in ("Buyer", "Items", "Requested for", "Status", "Total"):
        expect(page.get_by_role("columnheader", name=t(column), exact=True)).to_have_count(1)
        label = card.locator(f'[data-label="{t(column)}"]')
        assert label.evaluate("cell => getComputedStyle(cell, '::before').content").startswith(f'"{t(column)}"')
    expect(card).to_contain_text("Budi Santoso Wirjosoemarto")
    expect(card).to_contain_text("Dinas Perindustrian")
    expect(card).to_contain_text("2 × Kopi Aming Bubuk Robusta Pilihan 250 g")
    expect(card).to_contain_text("Rp 340.000")
    # Another store's order is not on this seller's list.
    expect(page.get_by_text(shop["other"]["numbers"][0])).to_have_count(0)

    # Accept: the button is full width in the card and in reach.
    accept = page.get_by_role("button", name=f"{t('Accept')} {first}", exact=True)
    _reachable(accept)
    card_box, button_box = card.bounding_box(), accept.bounding_box()
    assert button_box["width"] >= card_box["width"] - 2 * 17, "the button is not full width"
    accept.tap()
    expect(page.locator(".flash-messages")).to_contain_text(t("The order has been accepted."))
    assert _state(app, first) == "accepted"
    _no_sideways_scroll(page)
    _clean(page)

    # The seller stays on the list and marks it ready from its card.
    assert "/sales/" in page.url and f"/sales/{_order_id(app, first)}" not in page.url
    ready = page.get_by_role("button", name=f"{t('Mark ready')} {first}", exact=True)
    _reachable(ready)
    _no_sideways_scroll(page)
    ready.tap()
    expect(page.locator(".flash-messages")).to_contain_text(t("The order is marked ready."))
    assert _state(app, first) == "ready"
    assert _state(app, second) == "placed"  # only the order tapped

    # On the order page the next step is in reach too.
    page.get_by_role("link", name=first, exact=True).tap()
    _reachable(page.get_by_role("button", name=t("Mark delivered"), exact=True))
    _no_sideways_scroll(page)
    _picture(page, f"seller-order-detail-phone-{locale}.png")
    context.close()
    assert not page.console_errors, page.console_errors


def test_desktop_still_shows_the_table(live_server, browser, shop):
    app = live_server.app
    number = shop["id"]["numbers"][1]
    context, page = _open(browser, DESKTOP, phone=False)
    _log_in(page, live_server, shop["id"]["seller"])
    page.goto(live_server.url("/sales/"))
    for column in ("Order", "Buyer", "Items", "Requested for", "Status", "Total", "Next step"):
        expect(page.get_by_role("columnheader", name=tr(app, column), exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=number))
    assert row.evaluate("row => getComputedStyle(row).display") == "table-row"
    accept = page.get_by_role("button", name=f"{tr(app, 'Accept')} {number}", exact=True)
    expect(accept).to_be_visible()
    # One line per order: the button sits level with the order number, in the last column.
    assert abs(accept.bounding_box()["y"] - page.get_by_role("link", name=number, exact=True).bounding_box()["y"]) < 40
    _clean(page)
    context.close()
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("who,path,controls", [
    ("seller", "/seller/documents", [("link", "File"), ("link", "Renew")]),
    ("seller", "/seller/store/members", [("button", "Remove")]),
    ("admin", "/finance/payouts/{batch_id}", [("textbox", "Transfer reference for %(store)s"),
                                               ("button", "Record as paid")]),
])
def test_other_tables_with_actions_on_a_phone(live_server, browser, shop, who, path, controls):
    app = live_server.app
    email = shop["id"]["seller"] if who == "seller" else shop["admin"]
    locale = "id" if who == "seller" else "en"
    context, page = _open(browser, PHONE_SE, phone=True)
    _log_in(page, live_server, email)
    page.goto(live_server.url(path.format(batch_id=shop["batch_id"])))
    _no_sideways_scroll(page)
    for role, msgid in controls:
        # The name starts with the label; the rest (which document, which store) is for screen readers.
        name = tr(app, msgid, locale=locale, store="").strip()
        control = page.locator("main").get_by_role(role, name=name).first
        expect(control).to_be_visible()
        _reachable(control)
    _clean(page)
    _picture(page, "phone" + path.split("{")[0].replace("/", "-").rstrip("-") + ".png")
    context.close()
    assert not page.console_errors, page.console_errors
