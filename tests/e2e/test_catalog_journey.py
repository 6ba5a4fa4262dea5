"""Issue 4's journey in a real browser: a civil servant searches the catalogue (Indonesian
stemming), filters by category and price, opens a product with its gallery, switches
to English; on a desktop and on a phone. Every page visited is checked with axe."""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import axe_check, tr

pytestmark = pytest.mark.e2e

CLOTH = "Kain Tenun Corak Insang"
COFFEE = "Kopi Minum Dingin"


def _webp(colour, size):
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "WEBP")
    return out.getvalue()


@pytest.fixture(scope="module")
def catalogue(live_server):
    """Live products in two category trees, with real photos in storage."""
    from app.extensions import db
    from app.storage import get_storage
    from tests import factories

    app = live_server.app
    with app.app_context():
        cloth_parent = factories.CategoryFactory(name_id="Kain & Busana", name_en="Cloth & clothing",
                                                 slug="kain-busana")
        cloth = factories.CategoryFactory(name_id="Tenun", name_en="Weaving", slug="tenun", parent=cloth_parent)
        drinks = factories.CategoryFactory(food=True, name_id="Minuman", name_en="Drinks", slug="minuman")
        store = factories.StoreFactory(verified=True, name="Tenun Khatulistiwa", slug="tenun-khatulistiwa")
        product = factories.ProductFactory(live=True, name=CLOTH, category=cloth, store=store, price=850000,
                                           description="Ditenun tangan dengan motif corak insang khas Pontianak.")
        factories.ProductFactory(live=True, name="Syal Sutra Motif Insang", category=cloth, store=store, price=250000)
        factories.ProductFactory(live=True, name=COFFEE, category=drinks, price=18000)
        storage = get_storage()
        for position, colour in enumerate([(11, 93, 81), (242, 183, 5)]):
            key = f"public/products/{product.id}/e2e{position}"
            storage.save(f"{key}/large.webp", _webp(colour, 800))
            storage.save(f"{key}/thumb.webp", _webp(colour, 320))
            factories.ProductImageFactory(product=product, key=key, position=position, is_cover=position == 0,
                                          alt_text=f"{CLOTH} {position + 1}")
        slug = product.slug
        db.session.remove()
    return {"slug": slug}


def search_for(page, app, words):
    page.get_by_role("combobox", name=tr(app, "Search products")).first.fill(words)
    with page.expect_navigation():
        page.get_by_role("button", name=tr(app, "Search"), exact=True).first.click()


def test_search_filter_open_a_product_and_switch_language(live_server, page, catalogue):
    app = live_server.app
    page.goto(live_server.url("/"))
    expect(page.get_by_role("link", name=CLOTH).first).to_be_visible()
    axe_check(page)

    # Search: "kain insang" finds the woven cloth; "minuman" finds a drink called "minum".
    search_for(page, app, "kain insang")
    expect(page.get_by_role("heading", level=1)).to_contain_text("kain insang")
    expect(page.get_by_role("link", name=CLOTH)).to_be_visible()
    expect(page.get_by_role("link", name=COFFEE)).to_have_count(0)
    axe_check(page)
    search_for(page, app, "minuman")
    expect(page.get_by_role("link", name=COFFEE)).to_be_visible()

    # Nothing found: a clear way back.
    search_for(page, app, "durian goreng")
    expect(page.get_by_text(tr(app, "Nothing found"))).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=tr(app, "Clear all filters")).first.click()
    expect(page).to_have_url(re.compile(r"/katalog$"))

    # Filter: the parent category includes its sub-category; a price range; shared by URL.
    page.get_by_label(tr(app, "Category"), exact=True).select_option("kain-busana")
    page.get_by_label(tr(app, "To", context="range end"), exact=True).fill("500000")
    with page.expect_navigation():
        page.get_by_role("button", name=tr(app, "Apply filters")).click()
    expect(page).to_have_url(re.compile(r"category=kain-busana"))
    expect(page.get_by_role("link", name="Syal Sutra Motif Insang")).to_be_visible()
    expect(page.get_by_role("link", name=CLOTH)).to_have_count(0)  # above the price limit
    expect(page.get_by_role("link", name=COFFEE)).to_have_count(0)
    axe_check(page)

    # Open a product: gallery, facts, store link.
    page.goto(live_server.url("/katalog?category=tenun"))
    page.get_by_role("link", name=CLOTH).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CLOTH)
    expect(page.get_by_text("Rp 850.000").first).to_be_visible()
    expect(page.get_by_role("link", name="Tenun Khatulistiwa").first).to_be_visible()
    page.get_by_role("link", name=tr(app, "Show photo %(n)d", n=2)).click()
    expect(page.locator("#photo-2 img")).to_be_visible()
    expect(page.locator("#photo-1 img")).to_be_hidden()
    axe_check(page)

    # Switch language: the same product page in English.
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()  # the one-click language toggle
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Weaving").first).to_be_visible()
    expect(page.get_by_text("Minimum order")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Tenun Khatulistiwa").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenun Khatulistiwa")
    axe_check(page)


def test_catalogue_on_a_phone(live_server, phone_page, catalogue):
    app = live_server.app
    page = phone_page
    page.goto(live_server.url("/katalog"))
    axe_check(page)
    search_for(page, app, "corak insang")
    expect(page.get_by_role("link", name=CLOTH)).to_be_visible()
    page.get_by_role("link", name=CLOTH).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CLOTH)
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "page scrolls sideways"


def test_hidden_product_is_not_found_in_the_browser(live_server, page, catalogue):
    response = page.goto(live_server.url("/produk/tidak-ada"))
    assert response.status == 404
    axe_check(page)
