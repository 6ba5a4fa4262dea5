"""Issue 19's variants in a real browser: a seller creates a corak insang shirt, gives it
sizes S–XL in two colours on the variants page, sets each combination's stock and submits
it; the mentor approves it once; a buyer picks two different variants on the product page
(price and stock follow the pick; the sold-out one cannot be picked) and buys them, and
exactly their stock goes down. Every page is checked with axe; the new pages are
photographed on a phone and a desktop, in Indonesian and English."""
import io
import os
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import PASSWORD, axe_check, tr

pytestmark = pytest.mark.e2e

SHIRT = "Kemeja Corak Insang Lengan Pendek"
SIZES, COLOURS = ["S", "M", "L", "XL"], ["Merah", "Biru"]
SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "instance", "e2e-shots", "variants")


def _setup(app):
    """A verified store with a mentor (everyone reads English), a clothing category with the
    options Ukuran and Warna, and a buyer."""
    from app.extensions import db
    from tests import factories

    with app.app_context():
        store = factories.StoreFactory(verified=True, name="Insang Khatulistiwa")
        seller = factories.store_owner(store)
        buyer = factories.BuyerFactory(email="ayu.variants@pontianak.go.id", full_name="Ayu Pratiwi")
        for user in (seller, store.mentor, buyer):
            user.locale = "en"
        factories.CategoryFactory(name_id="Pakaian", name_en="Clothing", slug="pakaian",
                                  option_groups=["Ukuran", "Warna", "Motif"])
        db.session.commit()
        people = {"seller": seller.email, "mentor": store.mentor.email, "buyer": buyer.email}
        db.session.remove()
    return people


def _variant_stock(app):
    from app.extensions import db
    from app.models import Product

    with app.app_context():
        product = db.session.execute(db.select(Product).where(Product.name == SHIRT)).scalar_one()
        stock = {v.name: v.stock for v in product.active_variants}
        total = product.stock
        db.session.remove()
    return stock, total


def new_page(browser, width=1280, height=800, locale="en-GB"):
    context = browser.new_context(locale=locale, timezone_id="Asia/Pontianak",
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return context, page


def log_in(page, live_server, email):
    app = live_server.app
    page.goto(live_server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_be_visible()


def _photo(tmp_path):
    path = tmp_path / "kemeja.jpg"
    out = io.BytesIO()
    Image.new("RGB", (640, 640), (160, 40, 40)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def _shoot(browser, live_server, email, path, name):
    """The page at 375x667 and 1280x800, in Indonesian and in English."""
    from app.extensions import db
    from app.models import User

    os.makedirs(SHOTS, exist_ok=True)
    for lang in ("id", "en"):
        with live_server.app.app_context():
            db.session.execute(db.update(User).where(User.email == email).values(locale=lang))
            db.session.commit()
            db.session.remove()
        for width, height in ((375, 667), (1280, 800)):
            context, page = new_page(browser, width, height)
            log_in(page, live_server, email)
            page.goto(live_server.url(path))
            expect(page.locator("html")).to_have_attribute("lang", lang)
            axe_check(page)
            page.screenshot(path=os.path.join(SHOTS, f"{name}-{lang}-{width}.png"), full_page=True)
            assert not page.console_errors, page.console_errors
            context.close()


def test_variants_journey(live_server, browser, tmp_path):
    app = live_server.app
    people = _setup(app)

    # --- the seller creates the shirt and gives it sizes and colours --------------------
    seller_ctx, seller = new_page(browser)
    log_in(seller, live_server, people["seller"])
    seller.get_by_role("link", name="My store").first.click()
    seller.get_by_role("link", name="New product").click()
    seller.get_by_label("Product name", exact=True).fill(SHIRT)
    seller.get_by_label("Category", exact=True).select_option(label="Clothing")
    seller.get_by_label("Description", exact=True).fill("Kemeja katun bermotif corak insang, jahitan Pontianak.")
    seller.get_by_label("Price (Rp)", exact=True).fill("185000")
    seller.get_by_role("button", name="Save draft").click()
    expect(seller.get_by_role("heading", name=re.compile(SHIRT))).to_be_visible()
    seller.get_by_label("Add photos", exact=True).set_input_files(str(_photo(tmp_path)))
    seller.get_by_role("button", name="Upload photos").click()
    expect(seller.get_by_text("Cover", exact=True)).to_be_visible()
    seller.get_by_role("link", name=re.compile("Variants and stock")).click()
    axe_check(seller)
    # A duplicate size is refused with a message, and nothing is made.
    seller.get_by_label("Option 1", exact=True).select_option("Ukuran")
    seller.get_by_label("Values of option 1", exact=True).fill("S, M, L, XL, m")
    seller.get_by_role("button", name="Save options").click()
    expect(seller.locator(".flash-messages")).to_contain_text("m is given twice in Ukuran")
    seller.get_by_label("Values of option 1", exact=True).fill(", ".join(SIZES))
    seller.get_by_label("Option 2", exact=True).select_option("Warna")
    seller.get_by_label("Values of option 2", exact=True).fill(", ".join(COLOURS))
    seller.get_by_role("button", name="Save options").click()
    expect(seller.locator(".flash-messages")).to_contain_text("every combination is a variant")
    rows = seller.locator(".variant-row")
    expect(rows).to_have_count(8)
    stock = {f"{s} / {c}": 3 + n for n, (s, c) in enumerate((s, c) for s in SIZES for c in COLOURS)}
    stock["XL / Biru"] = 0
    for name, count in stock.items():
        row = seller.locator(".variant-row", has=seller.get_by_text(name, exact=True))
        row.get_by_label("Stock", exact=True).fill(str(count))
    seller.locator(".variant-row", has=seller.get_by_text("XL / Merah", exact=True)).get_by_label(
        "Own price (Rp)", exact=True).fill("195000")
    seller.get_by_role("button", name="Save stock and prices").click()
    expect(seller.locator(".flash-messages")).to_contain_text("buyers see them at once")
    axe_check(seller)
    assert _variant_stock(app) == (stock, sum(stock.values()))
    seller.get_by_role("link", name=SHIRT).click()
    seller.get_by_role("button", name="Submit for review").click()
    expect(seller.locator(".flash-messages")).to_contain_text("Sent to your mentor")
    seller_ctx.close()

    # --- the mentor approves it once, options and all -----------------------------------
    mentor_ctx, mentor = new_page(browser)
    log_in(mentor, live_server, people["mentor"])
    mentor.goto(live_server.url("/mentor/"))
    mentor.get_by_role("link", name=re.compile(SHIRT)).first.click()
    expect(mentor.get_by_text("S, M, L, XL")).to_be_visible()
    axe_check(mentor)
    mentor.get_by_label("Approve").check()
    mentor.get_by_role("button", name="Record decision").click()
    expect(mentor.locator(".flash-messages")).to_contain_text("Approved")
    mentor_ctx.close()

    # --- the buyer picks two variants and buys them -------------------------------------
    buyer_ctx, buyer = new_page(browser)
    log_in(buyer, live_server, people["buyer"])
    buyer.goto(live_server.url("/katalog?category=pakaian&option=Ukuran:XL&option=Warna:Merah"))
    buyer.get_by_role("link", name=SHIRT).first.click()
    axe_check(buyer)
    expect(buyer.get_by_label(re.compile(r"^XL / Biru"))).to_be_disabled()
    buyer.get_by_text("XL / Merah", exact=False).first.click()
    expect(buyer.locator("[data-variant-price]")).to_have_text(re.compile("195.000"))
    expect(buyer.locator("[data-variant-stock]")).to_have_text(re.compile(f"^{stock['XL / Merah']} "))
    buyer.get_by_label(re.compile(r"^Quantity")).fill("2")
    buyer.get_by_role("button", name="Add to cart").click()
    expect(buyer.locator(".flash-messages")).to_contain_text("XL / Merah")
    buyer.goto(live_server.url("/katalog?category=pakaian"))
    buyer.get_by_role("link", name=SHIRT).first.click()
    buyer.get_by_text("M / Biru", exact=True).click()
    expect(buyer.locator("[data-variant-price]")).to_have_text(re.compile("185.000"))
    buyer.get_by_role("button", name="Add to cart").click()
    expect(buyer.locator(".flash-messages")).to_contain_text("M / Biru")
    buyer.goto(live_server.url("/cart/"))
    expect(buyer.locator(".cart-line")).to_have_count(2)
    expect(buyer.get_by_text("Total: Rp 575.000", exact=True)).to_be_visible()
    axe_check(buyer)
    buyer.get_by_role("link", name="Checkout").click()
    buyer.get_by_label("Office address").fill("Bappeda\nJl. Rahadi Usman No. 3")
    buyer.get_by_label("Requested date").fill((clock.today() + timedelta(days=1)).isoformat())
    buyer.get_by_label("Time window").select_option("10-12")
    buyer.get_by_label("Pay on delivery").check()
    buyer.get_by_role("button", name="Continue to review").click()
    buyer.get_by_role("button", name=re.compile("Place order")).click()
    expect(buyer.get_by_role("heading", name="Order placed")).to_be_visible()
    buyer.get_by_role("link", name=re.compile("PKB-")).first.click()
    expect(buyer.get_by_text(f"{SHIRT} (XL / Merah)")).to_be_visible()
    expect(buyer.get_by_text(f"{SHIRT} (M / Biru)")).to_be_visible()
    axe_check(buyer)
    buyer_ctx.close()

    after, total = _variant_stock(app)
    expected = dict(stock, **{"XL / Merah": stock["XL / Merah"] - 2, "M / Biru": stock["M / Biru"] - 1})
    assert after == expected and total == sum(expected.values())

    # --- the new pages, photographed ----------------------------------------------------
    from app.extensions import db
    from app.models import Product

    with app.app_context():
        product = db.session.execute(db.select(Product).where(Product.name == SHIRT)).scalar_one()
        product_id, slug = product.id, product.slug
        db.session.remove()
    _shoot(browser, live_server, people["seller"], f"/seller/products/{product_id}/variants", "seller-variants")
    _shoot(browser, live_server, people["buyer"], f"/produk/{slug}", "product-picker")
    _shoot(browser, live_server, people["buyer"], "/katalog?category=pakaian&option=Ukuran:M", "catalogue-options")
