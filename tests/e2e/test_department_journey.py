"""Issue 6's journey in a real browser: a purchaser orders meeting snacks from two
stores on a budget line; the department's approver approves; the stores deliver; the
purchaser confirms the BAST; the invoice appears; an admin records the treasury payment;
the department's spend page shows it. Every page visited is checked with axe."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import DESKTOP, PASSWORD, axe_check, newest_email, tr
from tests.pdf_helpers import pdf_text

pytestmark = pytest.mark.e2e

DEPARTMENT = "Dinas Komunikasi dan Informatika"


def _setup(app):
    """Department with a purchaser and an approver, an admin, two stores with live products."""
    from app.extensions import db
    from tests import factories

    with app.app_context():
        department = factories.DepartmentFactory(name=DEPARTMENT, code="DISKOMINFO",
                                                 address="Jl. Rahadi Usman No. 3, Pontianak Kota")
        purchaser = factories.BuyerFactory(email="budi.pp@pontianak.go.id", full_name="Budi Santoso",
                                           department=department)
        approver = factories.BuyerFactory(email="rahmat.ppk@pontianak.go.id", full_name="Rahmat Hidayat",
                                          department=department)
        factories.department_role(purchaser, "purchaser")
        factories.department_role(approver, "approver")
        admin = factories.AdminFactory(email="dewi.bkd@pontianak.go.id", full_name="Dewi Lestari")
        box = factories.ProductFactory(live=True, name="Snack Box Rapat Khatulistiwa", price=25000, stock=100)
        drink = factories.ProductFactory(live=True, name="Minuman Lidah Buaya 250 ml", price=12000, stock=100)
        for user in (purchaser, approver, admin, factories.store_owner(box.store), factories.store_owner(drink.store)):
            user.locale = "en"  # e-mails in English, for the assertions
        db.session.commit()
        data = {
            "purchaser": purchaser.email, "approver": approver.email, "admin": admin.email,
            "box": (box.slug, factories.store_owner(box.store).email, box.store.name),
            "drink": (drink.slug, factories.store_owner(drink.store).email, drink.store.name),
        }
        db.session.remove()
        return data


def _orders(app, email):
    from app.extensions import db
    from app.models import Order, User

    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
        rows = [(o.id, o.number, o.state, o.total) for o in db.session.execute(
            db.select(Order).where(Order.buyer_id == user.id).order_by(Order.id)).scalars()]
        db.session.remove()
        return rows


def _session(browser, live_server, email):
    """A fresh browser context logged in as ``email``, in English."""
    app = live_server.app
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10000)
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


def _add_to_cart(page, live_server, slug, quantity):
    page.goto(live_server.url(f"/produk/{slug}"))
    axe_check(page)
    page.get_by_label(re.compile(r"^Quantity")).fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".flash-messages")).to_contain_text("is in your cart")


def test_department_purchase_journey(live_server, browser):
    app = live_server.app
    data = _setup(app)

    # 1. The purchaser orders meeting snacks from two stores on a budget line.
    context, page = _session(browser, live_server, data["purchaser"])
    expect(page.get_by_role("link", name="Department purchases")).to_be_visible()
    _add_to_cart(page, live_server, data["box"][0], 40)
    _add_to_cart(page, live_server, data["drink"][0], 40)
    page.goto(live_server.url("/cart/checkout"))
    axe_check(page)
    page.get_by_label("Requested date").fill((clock.today() + timedelta(days=2)).isoformat())
    page.get_by_label("Time window").select_option("10-12")
    page.get_by_label("Department purchase", exact=True).check()
    page.get_by_label("Kode RUP (for department purchase)").fill("48123456")
    page.get_by_label("Kode rekening belanja (for department purchase)").fill("5.1.02.01.01.0024")
    page.get_by_label("Purpose (for department purchase)").fill("Rapat koordinasi 12 Desember")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_text("5.1.02.01.01.0024")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.locator(".flash-messages")).to_contain_text("Your order has been placed")
    axe_check(page)
    orders = _orders(app, data["purchaser"])
    assert len(orders) == 2 and all(state == "awaiting_approval" for _i, _n, state, _t in orders)
    page.get_by_role("link", name="Department purchases").click()
    for _id, number, _s, _t in orders:
        expect(page.get_by_role("link", name=number)).to_be_visible()
    axe_check(page)
    assert "Approval needed" in newest_email(app, data["approver"])[0]

    # 2. The approver of that department approves both.
    approver_ctx, approver = _session(browser, live_server, data["approver"])
    # A buyer who approves: the department's menu in the header holds the approvals.
    approver.locator("header").get_by_role("button", name=re.compile("^Department")).click()
    approver.locator("header").get_by_role("link", name=re.compile("Approvals")).click()
    expect(approver.get_by_text("Rapat koordinasi 12 Desember").first).to_be_visible()
    expect(approver.get_by_text("Budi Santoso").first).to_be_visible()
    axe_check(approver)
    for _id, number, _s, _t in orders:
        approver.get_by_role("link", name=number).click()
        axe_check(approver)
        approver.get_by_label("Note (optional)").fill("Sesuai DPA 2026")
        approver.get_by_role("button", name="Approve").click()
        expect(approver.locator(".flash-messages")).to_contain_text("Surat Pesanan has been issued")
        expect(approver.get_by_role("link", name=re.compile("Purchase order"))).to_be_visible()
        approver.goto(live_server.url("/department/approvals"))
    expect(approver.get_by_text("Nothing is waiting for your approval.")).to_be_visible()
    approver_ctx.close()

    # 3. Each store delivers.
    for key in ("box", "drink"):
        _slug, seller_email, store_name = data[key]
        assert "New department order" in newest_email(app, seller_email)[0]
        seller_ctx, seller = _session(browser, live_server, seller_email)
        order_id = next(i for i, _n, _s, _t in _orders(app, data["purchaser"])
                        if _store_of(app, i) == store_name)
        seller.goto(live_server.url(f"/sales/{order_id}"))
        axe_check(seller)
        for label in ("Accept order", "Mark ready", "Mark delivered"):
            seller.get_by_role("button", name=label).click()
            expect(seller.locator(".flash-messages")).to_be_visible()
        axe_check(seller)
        seller_ctx.close()

    # 4. The purchaser confirms the BAST; the invoice appears.
    for order_id, number, _s, _t in orders:
        page.goto(live_server.url("/department/purchases"))
        page.get_by_role("link", name=number).click()
        expect(page.get_by_role("link", name=re.compile("Handover record"))).to_be_visible()
        axe_check(page)
        page.get_by_role("button", name="Confirm BAST").click()
        expect(page.locator(".flash-messages")).to_contain_text("invoice has been issued")
        expect(page.get_by_role("link", name=re.compile("^Invoice"))).to_be_visible()
        response = page.request.get(live_server.url(f"/department/orders/{order_id}/documents/invoice.pdf"))
        assert response.ok and response.body().startswith(b"%PDF-") and number in pdf_text(response.body())
    context.close()

    # 5. An admin records the treasury payment; the spend page shows it.
    admin_ctx, admin = _session(browser, live_server, data["admin"])
    admin.goto(live_server.url("/admin/"))
    admin.get_by_role("link", name=re.compile("Department spending")).click()
    expect(admin.get_by_role("row", name=re.compile(DEPARTMENT)).first).to_contain_text("Rp 1.480.000")  # owed
    axe_check(admin)
    for order_id, number, _s, total in orders:
        admin.goto(live_server.url("/department/spend"))
        admin.get_by_role("row", name=re.compile(number)).get_by_role("link").first.click()
        axe_check(admin)
        admin.get_by_label("Amount (Rp)").fill(str(total - 1000))
        admin.get_by_label("Transfer reference").fill(f"SP2D-{order_id}")
        admin.get_by_role("button", name="Record payment").click()
        expect(admin.locator(".flash-messages")).to_contain_text("does not match the invoice amount")
        admin.get_by_label("Amount (Rp)").fill(str(total))
        admin.get_by_label("Transfer reference").fill(f"SP2D-{order_id}")
        admin.get_by_role("button", name="Record payment").click()
        expect(admin.locator(".flash-messages")).to_contain_text("paid and completed")
    admin.goto(live_server.url("/department/spend"))
    row = admin.get_by_role("row", name=re.compile(DEPARTMENT))
    expect(row).to_have_count(1)  # no invoice rows left
    expect(row).to_contain_text("Rp 1.480.000")
    expect(admin.get_by_text("No invoices due.")).to_be_visible()
    axe_check(admin)
    assert all(state == "completed" for _i, _n, state, _t in _orders(app, data["purchaser"]))

    # The public page verifies a document's code.
    code = _invoice_code(app, orders[0][0])
    admin.goto(live_server.url(f"/verifikasi/{code}"))
    expect(admin.get_by_text("This document was issued by Pasar Kite Bise.")).to_be_visible()
    axe_check(admin)
    admin_ctx.close()


def _store_of(app, order_id):
    from app.extensions import db
    from app.models import Order

    with app.app_context():
        name = db.session.get(Order, order_id).store.name
        db.session.remove()
        return name


def _invoice_code(app, order_id):
    from app.extensions import db
    from app.models import DepartmentPurchase

    with app.app_context():
        code = db.session.execute(db.select(DepartmentPurchase.invoice_code)
                                  .where(DepartmentPurchase.order_id == order_id)).scalar_one()
        db.session.remove()
        return code
