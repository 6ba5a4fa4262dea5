"""Issue 3's journey in a real browser: a seller (in Indonesian) opens a store, uploads
PIRT-IRT and halal certificates and submits a drinks product; an admin assigns the
mentor; the mentor (in English) asks for changes; the seller fixes and resubmits; the
mentor verifies the store and the documents and approves; the product is live; the halal
certificate expires (the clock moves) and the product disappears from buyers' view.
Every page visited is checked with axe."""
import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import PASSWORD, axe_check, make_user, newest_email, tr

pytestmark = pytest.mark.e2e

SELLER = "rudi.lidahbuaya@umkm.test"
MENTOR = "rina.mentor@inkubator.test"
ADMIN = "dewi.admin@pontianak.go.id"
PRODUCT = "Minuman Lidah Buaya 250 ml"


def log_in(page, live_server, email, locale="id"):
    app = live_server.app
    page.goto(live_server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail", locale=locale), exact=True).fill(email)
    page.get_by_label(tr(app, "Password", locale=locale), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in", locale=locale)).click()
    expect(page.locator(".flash-messages")).to_be_visible()


def switch_to_english(page):
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()  # the one-click language toggle
    expect(page.locator("html")).to_have_attribute("lang", "en")


def flash(page):
    return page.locator(".flash-messages")


def _files(tmp_path):
    pirt, halal, photo = tmp_path / "pirt.pdf", tmp_path / "halal.pdf", tmp_path / "botol.jpg"
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    pirt.write_bytes(body)
    halal.write_bytes(body)
    out = io.BytesIO()
    Image.new("RGB", (640, 640), (40, 160, 90)).save(out, "JPEG")
    photo.write_bytes(out.getvalue())
    return pirt, halal, photo


def _setup(app):
    from app.extensions import db
    from app.models import Category

    make_user(app, "seller", SELLER, full_name="Rudi Hartono")
    make_user(app, "mentor", MENTOR, full_name="Rina Hartati")
    make_user(app, "admin", ADMIN, full_name="Dewi Lestari")
    with app.app_context():
        parent = Category(slug="makanan-minuman", name_id="Makanan & Minuman Kemasan", name_en="Packaged food & drink",
                          required_documents=[["pirt", "bpom_md", "bpom_ml"], ["halal"]])
        db.session.add_all([parent, Category(slug="minuman", name_id="Minuman", name_en="Drinks", parent=parent)])
        db.session.commit()
        db.session.remove()


def _product_row(app):
    from app.extensions import db
    from app.models import Product

    with app.app_context():
        product = db.session.execute(db.select(Product).where(Product.name == PRODUCT)).scalar_one()
        row = {"id": product.id, "slug": product.slug, "status": product.status,
               "visible": db.session.execute(db.select(Product.id).where(
                   Product.id == product.id, Product.visible_condition(clock.today()))).first() is not None}
        db.session.remove()
        return row


def test_listing_journey(live_server, browser, tmp_path):
    app = live_server.app
    _setup(app)
    pirt_file, halal_file, photo_file = _files(tmp_path)
    today = clock.today()

    def context(locale="id-ID"):
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale, timezone_id="Asia/Pontianak")
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        page.on("dialog", lambda dialog: dialog.accept())
        return ctx, page

    # --- the seller opens a store (Indonesian) ---------------------------------------
    seller_ctx, seller = context()
    log_in(seller, live_server, SELLER)
    seller.get_by_role("link", name=tr(app, "My store")).first.click()
    axe_check(seller)
    seller.get_by_role("link", name=tr(app, "Open a store")).click()
    expect(seller.get_by_role("heading", name=tr(app, "Open a store"))).to_be_visible()
    axe_check(seller)
    seller.get_by_label(tr(app, "Store name"), exact=True).fill("Lidah Buaya Borneo")
    seller.get_by_label(tr(app, "About the store"), exact=True).fill("Olahan lidah buaya dari kebun Siantan.")
    seller.get_by_label(tr(app, "Kecamatan"), exact=True).select_option("Pontianak Utara")
    seller.get_by_label(tr(app, "Address"), exact=True).fill("Jl. Budi Utomo, Siantan Hulu")
    seller.get_by_label(tr(app, "WhatsApp or phone"), exact=True).fill("0852 4511 3020")
    seller.get_by_label(tr(app, "Bank"), exact=True).select_option("BRI")
    seller.get_by_label(tr(app, "Account number"), exact=True).fill("0123 01 000456 50 7")
    seller.get_by_label(tr(app, "Account holder"), exact=True).fill("Rudi Hartono")
    seller.get_by_role("button", name=tr(app, "Open store")).click()
    expect(flash(seller)).to_contain_text("Lidah Buaya Borneo")

    # --- documents: PIRT-IRT and halal --------------------------------------------------
    expect(seller.get_by_role("heading", name=tr(app, "Business documents"))).to_be_visible()
    axe_check(seller)
    for kind, number, issuer, days, path in [
            ("pirt", "P-IRT 2096171010123-27", "Dinas Kesehatan Kota Pontianak", 700, pirt_file),
            ("halal", "ID61110000123450925", "BPJPH", 30, halal_file)]:
        seller.get_by_label(tr(app, "Kind of document"), exact=True).select_option(kind)
        seller.get_by_label(tr(app, "Number"), exact=True).fill(number)
        seller.get_by_label(tr(app, "Issued by"), exact=True).fill(issuer)
        seller.get_by_label(tr(app, "Issue date"), exact=True).fill((today - timedelta(days=300)).isoformat())
        seller.get_by_label(tr(app, "Expiry date"), exact=True).fill((today + timedelta(days=days)).isoformat())
        seller.get_by_label(tr(app, "Scan of the document"), exact=True).set_input_files(str(path))
        seller.get_by_role("button", name=tr(app, "Upload document")).click()
        expect(flash(seller)).to_contain_text(tr(app, "Document uploaded. Your mentor will check it."))
        expect(seller.get_by_role("cell", name=number, exact=True)).to_be_visible()
    axe_check(seller)

    # --- an admin assigns the mentor ---------------------------------------------------
    admin_ctx, admin = context()
    log_in(admin, live_server, ADMIN)
    admin.goto(live_server.url("/admin/"))
    admin.get_by_role("link", name=re.compile(tr(app, "Stores and mentors"))).click()
    axe_check(admin)
    admin.get_by_label(tr(app, "Mentor of %(name)s", name="Lidah Buaya Borneo")).select_option(label="Rina Hartati")
    admin.get_by_role("button", name=re.compile(tr(app, "Assign"))).click()
    expect(flash(admin)).to_contain_text("Lidah Buaya Borneo")
    admin_ctx.close()

    # --- the seller lists a drink and submits it -----------------------------------------
    seller.get_by_role("link", name=tr(app, "My store")).first.click()
    seller.get_by_role("link", name=tr(app, "New product")).click()
    axe_check(seller)
    seller.get_by_label(tr(app, "Product name"), exact=True).fill(PRODUCT)
    seller.get_by_label(tr(app, "Category"), exact=True).select_option(label="— Minuman")
    seller.get_by_label(tr(app, "Description"), exact=True).fill("Minuman lidah buaya segar.")
    seller.get_by_label(tr(app, "Price (Rp)"), exact=True).fill("8000")
    seller.get_by_label(tr(app, "Stock"), exact=True).fill("48")
    seller.get_by_label(tr(app, "Unit"), exact=True).select_option("botol")
    seller.get_by_label(tr(app, "Weight (grams)"), exact=True).fill("280")
    seller.get_by_role("button", name=tr(app, "Save draft")).click()
    expect(seller.get_by_role("heading", name=re.compile(PRODUCT))).to_be_visible()
    axe_check(seller)
    seller.get_by_label(tr(app, "Add photos"), exact=True).set_input_files(str(photo_file))
    seller.get_by_role("button", name=tr(app, "Upload photos")).click()
    expect(seller.get_by_text(tr(app, "Cover"), exact=True)).to_be_visible()
    seller.get_by_role("button", name=tr(app, "Submit for review")).click()
    expect(flash(seller)).to_contain_text(tr(app, "Sent to your mentor for review."))
    axe_check(seller)
    assert PRODUCT in newest_email(app, MENTOR)[0]

    # --- the mentor (in English) asks for changes ----------------------------------------
    mentor_ctx, mentor = context()
    log_in(mentor, live_server, MENTOR)
    switch_to_english(mentor)
    mentor.get_by_role("link", name=re.compile("Review desk")).first.click()
    expect(mentor.get_by_role("heading", name="Review desk")).to_be_visible()
    axe_check(mentor)
    mentor.get_by_role("link", name=PRODUCT).click()
    expect(mentor.get_by_role("heading", name="As buyers will see it")).to_be_visible()
    expect(mentor.get_by_text("It cannot be approved yet")).to_be_visible()
    axe_check(mentor)
    mentor.get_by_label("Request changes").check()
    mentor.get_by_label("Copywriting").check()
    mentor.get_by_label("Note to the seller").fill("Tulis isi per botol dan bahan-bahannya.")
    mentor.get_by_role("button", name="Record decision").click()
    expect(flash(mentor)).to_contain_text("Changes requested")
    axe_check(mentor)

    # --- the seller fixes and resubmits -------------------------------------------------
    assert "Tulis isi per botol" in newest_email(app, SELLER)[1]
    seller.get_by_role("link", name=tr(app, "My store")).first.click()
    expect(seller.get_by_text("Tulis isi per botol dan bahan-bahannya.")).to_be_visible()
    axe_check(seller)
    seller.get_by_role("link", name=PRODUCT).click()
    expect(seller.get_by_role("heading", name=tr(app, "What to fix"))).to_be_visible()
    seller.get_by_label(tr(app, "Description"), exact=True).fill("Minuman lidah buaya segar, 250 ml per botol. "
                                                    "Bahan: lidah buaya, air, gula tebu.")
    seller.get_by_role("button", name=tr(app, "Save"), exact=True).click()
    expect(flash(seller)).to_contain_text(tr(app, "Saved."))
    seller.get_by_role("button", name=tr(app, "Resubmit")).click()
    expect(flash(seller)).to_contain_text(tr(app, "Sent to your mentor for review."))
    axe_check(seller)

    # --- the mentor verifies the store and the documents, and approves --------------------
    mentor.get_by_role("link", name=re.compile("Review desk")).first.click()
    mentor.get_by_role("link", name="Lidah Buaya Borneo").first.click()
    expect(mentor.get_by_role("heading", name=re.compile("Lidah Buaya Borneo"))).to_be_visible()
    axe_check(mentor)
    mentor.get_by_role("button", name="Verify store").click()
    expect(flash(mentor)).to_contain_text("verified")
    for number in ("P-IRT 2096171010123-27", "ID61110000123450925"):
        mentor.get_by_role("button", name=re.compile(f"Mark valid .*{re.escape(number)}")).click()
        expect(flash(mentor)).to_contain_text("Document marked valid.")
    axe_check(mentor)
    mentor.get_by_role("link", name=PRODUCT).click()
    expect(mentor.get_by_text("Changes since the previous submission")).to_be_visible()
    expect(mentor.locator(".diff-new")).to_contain_text("gula tebu")
    mentor.get_by_label("Approve").check()
    mentor.get_by_role("button", name="Record decision").click()
    expect(flash(mentor)).to_contain_text(f"Approved: {PRODUCT}")
    axe_check(mentor)
    mentor_ctx.close()

    # --- the product is live ---------------------------------------------------------
    row = _product_row(app)
    assert row["status"] == "approved" and row["visible"]
    seller.get_by_role("link", name=tr(app, "My store")).first.click()
    expect(seller.get_by_text(tr(app, "Live"), exact=True)).to_be_visible()
    axe_check(seller)
    buyer_ctx, buyer = context()
    if "catalog.product" in app.view_functions:
        response = buyer.goto(live_server.url(f"/produk/{row['slug']}"))
        assert response.status == 200
        expect(buyer.get_by_role("heading", name=PRODUCT)).to_be_visible()
        axe_check(buyer)

    # --- the halal certificate expires: the product disappears by itself ------------------
    # A month passes; the seller stays signed in for the journey (a session idle for
    # SESSION_IDLE_DAYS ends: tests/test_sessions.py covers that).
    live_server.app.config["SESSION_IDLE_DAYS"] = 60
    clock.travel(days=31)
    try:
        assert not _product_row(app)["visible"]
        if "catalog.product" in app.view_functions:
            response = buyer.goto(live_server.url(f"/produk/{row['slug']}"))
            assert response.status == 404
        seller.get_by_role("link", name=tr(app, "My store")).first.click()
        expect(seller.get_by_text(tr(app, "Hidden: store or documents not valid"))).to_be_visible()
        seller.get_by_role("link", name=tr(app, "Documents"), exact=True).first.click()
        expect(seller.get_by_text(tr(app, "Expired"), exact=True)).to_be_visible()
        axe_check(seller)
    finally:
        clock.reset()
    buyer_ctx.close()
    seller_ctx.close()


def test_other_listing_pages_pass_axe(live_server, browser):
    """With the demo data: the pages the journey does not visit, in both languages."""
    from app.demo import DEMO_PASSWORD, seed_demo

    app = live_server.app
    with app.app_context():
        seed_demo()
        from app.extensions import db
        from app.models import Product, Store

        store = db.session.execute(db.select(Store).where(Store.slug == "kopi-aming")).scalar_one()
        waiting = db.session.execute(db.select(Product).where(Product.store_id == store.id,
                                                              Product.status == "submitted")).scalars().first()
        live = db.session.execute(db.select(Product).where(Product.store_id == store.id,
                                                           Product.status == "approved")).scalars().first()
        waiting_id, live_id, store_id = waiting.id, live.id, store.id
        db.session.remove()

    def visit(email, paths, english=False):
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
        page = ctx.new_page()
        page.goto(live_server.url("/auth/login"))
        page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
        page.get_by_label(tr(app, "Password"), exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name=tr(app, "Log in")).click()
        expect(flash(page)).to_be_visible()
        if english:
            switch_to_english(page)
        for path in paths:
            response = page.goto(live_server.url(path))
            assert response.status == 200, path
            axe_check(page)
        ctx.close()

    seller_paths = ["/seller/", "/seller/store", "/seller/store/members", "/seller/documents",
                    f"/seller/products/{live_id}", f"/seller/products/{live_id}/preview",
                    f"/seller/products/{waiting_id}", "/seller/products/new"]
    visit("kopi.aming@umkm.test", seller_paths)
    visit("kopi.aming@umkm.test", seller_paths[:4], english=True)
    visit("admin@pontianak.go.id", ["/mentor/", f"/mentor/review/{waiting_id}", f"/mentor/stores/{store_id}",
                                    "/programme/categories", "/programme/categories/new", "/programme/stores"],
          english=True)
    visit("mentor.rina@inkubator.test", ["/mentor/", f"/mentor/review/{waiting_id}"])
