"""Issue 7's journey in a real browser, against the Stripe stand-in (localstripe on
127.0.0.1, sending its own signed webhooks to the live server): a civil servant pays a
two-store cart by card; both stores see paid orders; one is cancelled and refunded; an
admin runs a payout batch and records it; the seller sees the payout; the books balance.
Every page is checked with axe."""
import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import PASSWORD, _require_chromium, axe_check, serve_app, tr
from tests.stripe_helpers import card_config, localstripe  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

BUYER = "sari.card@pontianak.go.id"
ADMIN = "admin.card@pontianak.go.id"
PRODUCTS = [("Kopi Liberika Rasau Jaya", 60000, 2), ("Tas Anyaman Corak Insang", 180000, 1)]


@pytest.fixture(scope="module")
def card_server(tmp_path_factory, localstripe):  # noqa: F811
    """The live server of the e2e harness, with card payments pointed at the stand-in."""
    _require_chromium()
    with serve_app(tmp_path_factory.mktemp("card-live"), card_config(localstripe), name="card-live-server") as live:
        localstripe.register_webhook(f"{live.app.config['BASE_URL']}/webhooks/stripe")
        yield live


def _setup(app):
    from app.extensions import db
    from tests import factories

    with app.app_context():
        buyer = factories.BuyerFactory(email=BUYER, full_name="Sari Wulandari", locale="en")
        buyer.department.address = "Jl. Rahadi Usman No. 3, Pontianak Kota"
        admin = factories.AdminFactory(email=ADMIN, locale="en")
        rows = []
        for name, price, _qty in PRODUCTS:
            product = factories.ProductFactory(live=True, name=name, price=price, stock=10)
            owner = factories.store_owner(product.store)
            owner.locale = "en"
            rows.append({"slug": product.slug, "seller": owner.email, "store": product.store.name,
                         "store_id": product.store_id, "name": name, "price": price})
        db.session.commit()
        assert admin.id
        db.session.remove()
    return rows


def new_page(browser):
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Pontianak",
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def log_in(page, server, email):
    app = server.app
    page.goto(server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_be_visible()


def _wait_for(predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def _orders(app):
    from app.extensions import db
    from app.models import Order

    with app.app_context():
        rows = [(o.id, o.number, o.store_id, o.state, o.payment_state)
                for o in db.session.execute(db.select(Order).order_by(Order.id)).scalars()]
        db.session.remove()
        return rows


def test_card_journey(card_server, browser):
    app = card_server.app
    rows = _setup(app)

    # --- the buyer pays a two-store cart by card -----------------------------------------
    buyer_ctx, buyer = new_page(browser)
    log_in(buyer, card_server, BUYER)
    for row, (_name, _price, quantity) in zip(rows, PRODUCTS, strict=False):
        buyer.goto(card_server.url(f"/produk/{row['slug']}"))
        buyer.get_by_label(re.compile(r"^Quantity")).fill(str(quantity))
        buyer.get_by_role("button", name="Add to cart").click()
        expect(buyer.locator(".flash-messages")).to_contain_text(row["name"])
    buyer.goto(card_server.url("/cart/checkout"))
    buyer.get_by_label("Requested date").fill((clock.today() + timedelta(days=1)).isoformat())
    buyer.get_by_label("Time window").select_option("10-12")
    buyer.get_by_label("Card (Visa, Mastercard)").check()
    axe_check(buyer)
    buyer.get_by_role("button", name="Continue to review").click()
    expect(buyer.get_by_role("heading", name="Review your order")).to_be_visible()
    buyer.get_by_role("button", name=re.compile("Place order")).click()

    expect(buyer.get_by_role("heading", name="Pay by card")).to_be_visible()
    expect(buyer.get_by_test_id("amount-due")).to_have_text("Rp 300.000")
    axe_check(buyer)
    assert {o[3] for o in _orders(app)} == {"awaiting_payment"}
    # A declined card first: the orders keep waiting, with a message.
    buyer.get_by_label("Card number").fill("4000 0000 0000 0002")
    buyer.get_by_role("button", name=re.compile("Pay Rp")).click()
    expect(buyer.locator(".flash-messages")).to_contain_text("declined")
    axe_check(buyer)
    assert {o[3] for o in _orders(app)} == {"awaiting_payment"}
    buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
    buyer.get_by_role("button", name=re.compile("Pay Rp")).click()
    # The return page shows Stripe's state and refreshes until the webhook has confirmed.
    expect(buyer.get_by_role("heading", name="Payment")).to_be_visible()
    axe_check(buyer)
    expect(buyer.get_by_text("Payment confirmed. Each store has your order.")).to_be_visible(timeout=20_000)
    axe_check(buyer)
    orders = _orders(app)
    assert [(o[3], o[4]) for o in orders] == [("placed", "paid"), ("placed", "paid")]

    # --- both stores see paid orders --------------------------------------------------------
    for row in rows:
        seller_ctx, seller = new_page(browser)
        log_in(seller, card_server, row["seller"])
        seller.locator("header").get_by_role("link", name=re.compile("Incoming orders")).click()
        axe_check(seller)
        seller.locator("tbody a").first.click()
        expect(seller.get_by_text("Payment confirmed").first).to_be_visible()  # in the timeline
        axe_check(seller)
        seller.get_by_role("link", name=re.compile("Balance")).click()
        expect(seller.get_by_test_id("balance")).to_have_text(
            f"Rp {row['price'] * dict((p[0], p[2]) for p in PRODUCTS)[row['name']]:,}".replace(",", "."))
        axe_check(seller)
        seller_ctx.close()

    # --- the buyer cancels one paid order: it is refunded ----------------------------------
    coffee_order = next(o for o in orders if o[2] == rows[0]["store_id"])
    buyer.goto(card_server.url(f"/orders/{coffee_order[0]}"))
    axe_check(buyer)
    buyer.get_by_role("button", name="Cancel order").click()
    expect(buyer.locator(".flash-messages")).to_be_visible()
    assert _wait_for(lambda: next(o for o in _orders(app) if o[0] == coffee_order[0])[4] == "refunded")
    buyer_ctx.close()

    # --- an admin runs a payout batch and records the transfer ----------------------------
    admin_ctx, admin = new_page(browser)
    log_in(admin, card_server, ADMIN)
    admin.goto(card_server.url("/finance/"))
    expect(admin.get_by_test_id("books-status")).to_contain_text("The books balance.")
    axe_check(admin)
    admin.get_by_role("link", name=coffee_order[1]).click()
    expect(admin.get_by_test_id("payment-state")).to_have_text("Refunded")
    axe_check(admin)
    admin.goto(card_server.url("/finance/payouts"))
    admin.get_by_label("First day of the period").fill((clock.today() - timedelta(days=7)).isoformat())
    admin.get_by_label("Last day of the period").fill(clock.today().isoformat())
    axe_check(admin)
    admin.get_by_role("button", name="Make payout batch").click()
    expect(admin.locator(".flash-messages")).to_contain_text("Payout batch made: 1 payout.")
    axe_check(admin)
    with admin.expect_download() as download:
        admin.get_by_role("link", name=re.compile("Bank-transfer file")).click()
    csv_text = open(download.value.path(), encoding="utf-8").read()
    assert "bank,account,holder,amount,reference" in csv_text and ",180000," in csv_text
    admin.get_by_label(f"Transfer reference for {rows[1]['store']}").fill("BKB-TRX-0042")
    admin.get_by_role("button", name="Record as paid").click()
    expect(admin.locator(".flash-messages")).to_contain_text("recorded as paid")
    axe_check(admin)
    admin_ctx.close()

    # --- the seller sees the payout -----------------------------------------------------------
    seller_ctx, seller = new_page(browser)
    log_in(seller, card_server, rows[1]["seller"])
    seller.get_by_role("link", name=re.compile("Balance")).click()
    expect(seller.get_by_text("BKB-TRX-0042")).to_be_visible()
    expect(seller.get_by_test_id("balance")).to_have_text("Rp 0")
    axe_check(seller)
    seller_ctx.close()

    # --- the books balance ----------------------------------------------------------------------
    result = app.test_cli_runner().invoke(args=["payments", "check"])
    assert result.exit_code == 0 and "Books balanced" in result.output, result.output
