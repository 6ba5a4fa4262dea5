"""Issue 5's journey in a real browser: a civil servant fills a cart from two stores,
checks out with delivery to the office and pay on delivery, and gets one e-mail; each
seller sees its order, accepts it, marks it ready and delivered and records the payment;
the buyer confirms receipt and reviews a product. Every page is checked with axe, on a
desktop and (the buyer's pages) on a phone."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import PASSWORD, axe_check, tr

pytestmark = pytest.mark.e2e

BUYER = "budi.journey@pontianak.go.id"
PRODUCTS = [("Kopi Aming Bubuk 250 g", 45000, 2), ("Syal Corak Insang Biru", 250000, 1)]


def _setup(app):
    """Two live products of two stores; English for everyone (the journey reads English)."""
    from app.extensions import db
    from tests import factories

    with app.app_context():
        buyer = factories.BuyerFactory(email=BUYER, full_name="Budi Santoso", locale="en")
        buyer.department.name = "Dinas Komunikasi dan Informatika"
        buyer.department.address = "Jl. Rahadi Usman No. 3, Pontianak Kota"
        rows = []
        for name, price, _qty in PRODUCTS:
            product = factories.ProductFactory(live=True, name=name, price=price, stock=10)
            owner = factories.store_owner(product.store)
            owner.locale = "en"
            rows.append({"slug": product.slug, "seller": owner.email, "store": product.store.name,
                         "store_id": product.store_id, "name": name})
        db.session.commit()
        db.session.remove()
    return rows


def _outbox_count(app, to):
    from app.extensions import db
    from app.models import OutboxMessage

    with app.app_context():
        count = db.session.execute(
            db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.to == to)).scalar_one()
        db.session.remove()
        return count


def log_in(page, live_server, email):
    app = live_server.app
    page.goto(live_server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_be_visible()


def new_page(browser, phone=False):
    options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone \
        else {"viewport": {"width": 1366, "height": 900}}
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Pontianak", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def test_order_journey(live_server, browser):
    app = live_server.app
    rows = _setup(app)

    # --- the buyer fills a cart from two stores ---------------------------------------
    buyer_ctx, buyer = new_page(browser)
    log_in(buyer, live_server, BUYER)
    for row, (_name, _price, quantity) in zip(rows, PRODUCTS, strict=False):
        buyer.goto(live_server.url(f"/produk/{row['slug']}"))
        axe_check(buyer)
        buyer.get_by_label(re.compile(r"^Quantity")).fill(str(quantity))
        buyer.get_by_role("button", name="Add to cart").click()
        expect(buyer.locator(".flash-messages")).to_contain_text(row["name"])
    buyer.get_by_role("link", name=re.compile("Cart")).first.click()
    expect(buyer.get_by_role("heading", name=rows[0]["store"])).to_be_visible()
    expect(buyer.get_by_role("heading", name=rows[1]["store"])).to_be_visible()
    expect(buyer.get_by_text("Total: Rp 340.000")).to_be_visible()
    axe_check(buyer)

    # --- checkout: delivery to the office, pay on delivery ------------------------------
    buyer.get_by_role("link", name="Checkout").click()
    expect(buyer.get_by_label("Office address")).to_have_value(re.compile("Rahadi Usman"))
    axe_check(buyer)
    buyer.get_by_label("Office address").fill(
        "Dinas Komunikasi dan Informatika\nJl. Rahadi Usman No. 3, ruang rapat lt. 2")
    buyer.get_by_label("Requested date").fill((clock.today() + timedelta(days=1)).isoformat())
    buyer.get_by_label("Time window").select_option("10-12")
    buyer.get_by_label(f"Note to {rows[0]['store']} (optional)").fill("Tolong digiling halus.")
    buyer.get_by_label("Pay on delivery").check()
    buyer.get_by_role("button", name="Continue to review").click()
    expect(buyer.get_by_role("heading", name="Review your order")).to_be_visible()
    expect(buyer.get_by_text("Tolong digiling halus.")).to_be_visible()
    axe_check(buyer)
    buyer.get_by_role("button", name=re.compile("Place order")).click()
    expect(buyer.get_by_role("heading", name="Order placed")).to_be_visible()
    axe_check(buyer)
    assert _outbox_count(app, BUYER) == 1  # one e-mail for the whole checkout
    numbers = buyer.locator(".list-group-item a").all_inner_texts()
    assert len(numbers) == 2 and all(n.startswith("PKB-") for n in numbers)

    # --- each seller: accept, ready, delivered, payment received -----------------------
    for row in rows:
        assert _outbox_count(app, row["seller"]) == 1
        seller_ctx, seller = new_page(browser)
        log_in(seller, live_server, row["seller"])
        seller.locator("header").get_by_role("link", name=re.compile("Incoming orders")).click()
        axe_check(seller)
        seller.locator("tbody a").first.click()
        expect(seller.get_by_text("ruang rapat lt. 2")).to_be_visible()
        axe_check(seller)
        seller.get_by_role("link", name="Packing list").click()
        expect(seller.get_by_role("heading", name=re.compile("Packing list"))).to_be_visible()
        axe_check(seller)
        seller.go_back()
        for button, message in [("Accept order", "accepted"), ("Mark ready", "ready"),
                                ("Mark delivered", "delivered")]:
            seller.get_by_role("button", name=button).click()
            expect(seller.locator(".flash-messages")).to_contain_text(message)
        seller.get_by_label("Cash").check()
        seller.get_by_role("button", name="Record payment").click()
        expect(seller.locator(".flash-messages")).to_contain_text("payment has been recorded")
        axe_check(seller)
        seller_ctx.close()

    # --- the buyer confirms receipt and reviews a product --------------------------------
    buyer.get_by_role("link", name=re.compile("Notifications")).click()
    expect(buyer.get_by_text(re.compile("was delivered")).first).to_be_visible()
    axe_check(buyer)
    buyer.get_by_role("link", name="My orders").click()
    axe_check(buyer)
    for number in numbers:
        buyer.get_by_role("link", name=number).click()
        buyer.get_by_role("button", name="Confirm receipt").click()
        expect(buyer.locator(".flash-messages")).to_contain_text("completed")
        buyer.get_by_role("link", name="My orders").click()
    buyer.get_by_role("link", name=numbers[0]).click()
    # Once (CI, under load) "Publish review" sent nothing: the star is `required`, so a form whose star
    # was not (or no longer) checked when the button was pressed is refused by the browser without a
    # word. Act only on the loaded order page, and only press the button with the star seen checked.
    expect(buyer).to_have_url(re.compile(r"/orders/\d+$"))
    expect(buyer.get_by_role("heading", name="Review the products")).to_be_visible()
    buyer.wait_for_load_state("load")
    axe_check(buyer)
    star = buyer.get_by_label("5 ★").first
    star.check()
    buyer.get_by_label("Comment (optional)").first.fill("Kopinya harum, pengiriman tepat waktu.")
    expect(star).to_be_checked()
    buyer.get_by_role("button", name="Publish review").first.click()
    expect(buyer.locator(".flash-messages")).to_contain_text("Thank you for your review")
    buyer.get_by_role("link", name="Receipt").click()
    expect(buyer.get_by_role("heading", name=re.compile("Receipt"))).to_be_visible()
    axe_check(buyer)
    buyer.goto(live_server.url(f"/produk/{rows[0]['slug']}"))
    expect(buyer.get_by_text("Kopinya harum, pengiriman tepat waktu.")).to_be_visible()
    axe_check(buyer)
    buyer_ctx.close()


def test_buyer_pages_on_a_phone(live_server, browser):
    """The cart, checkout, orders and notifications on a phone (after the journey above)."""
    app = live_server.app
    from app.extensions import db
    from app.models import Product

    with app.app_context():
        slug = db.session.execute(db.select(Product.slug).where(Product.name == PRODUCTS[0][0])).scalar_one()
        db.session.remove()
    context, phone = new_page(browser, phone=True)
    log_in(phone, live_server, BUYER)
    phone.goto(live_server.url(f"/produk/{slug}"))
    phone.get_by_role("button", name="Add to cart").click()
    for path in ("/cart/", "/cart/checkout", "/orders/", "/notifications/"):
        phone.goto(live_server.url(path))
        axe_check(phone)
    phone.goto(live_server.url("/orders/"))
    phone.locator("tbody a").first.click()
    expect(phone.get_by_role("heading", name=re.compile("PKB-"))).to_be_visible()
    axe_check(phone)
    context.close()
