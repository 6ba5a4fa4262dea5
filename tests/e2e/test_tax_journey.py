"""Issue 17's journeys in a real browser. (1) LS: a PKP store sells meeting snacks (goods) and
a catering service to a department; the invoice shows the tax lines; the treasurer records
the net payment, the slip and the NTPN; the tax register export shows them. (2) UP: a small
order paid by the treasurer at the handover, with the kuitansi. The ledger invariant
(``flask payments check``) holds after each. Every page visited is checked with axe; the new
pages are photographed at 375x667 and 1280x800 in Indonesian and English."""
import csv
import io
import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import axe_check
from tests.e2e.test_department_journey import _add_to_cart, _orders, _session
from tests.pdf_helpers import pdf_text

pytestmark = pytest.mark.e2e

DEPARTMENT = "Dinas Komunikasi dan Informatika"
SHOTS = os.environ.get("TAX_SCREENSHOTS", "")  # a folder: photograph the new pages there


def _setup(app):
    from app.extensions import db
    from app.services import tax_rules
    from tests import factories

    with app.app_context():
        department = factories.DepartmentFactory(name=DEPARTMENT, code="DISKOMINFO",
                                                 address="Jl. Rahadi Usman No. 3, Pontianak Kota")
        people = {}
        for key, email, name in (("purchaser", "dian.pp@pontianak.go.id", "Dian Puspita"),
                                 ("approver", "rahmat.ppk@pontianak.go.id", "Rahmat Hidayat"),
                                 ("treasurer", "nurul.bp@pontianak.go.id", "Nurul Aini")):
            people[key] = factories.BuyerFactory(email=email, full_name=name, department=department)
            factories.department_role(people[key], key)
        admin = factories.AdminFactory(email="dewi.admin@pontianak.go.id", full_name="Dewi Lestari")
        store = factories.StoreFactory(verified=True, name="Katering Equator")
        catering = factories.CategoryFactory(name_id="Katering", name_en="Catering", tax_kind="catering")
        snack = factories.ProductFactory(live=True, store=store, name="Snack Box Rapat", price=22_200, stock=300)
        boxes = factories.ProductFactory(live=True, store=store, category=catering, name="Nasi Kotak Ayam Bakar",
                                         price=44_000, stock=300)
        factories.DocumentFactory(store=store, kind="npwp", number="012345678701000")
        factories.DocumentFactory(store=store, kind="sppkp", number="S-00123/PKP/2025")
        seller = factories.store_owner(store)
        tax_rules.seed_default_rules()
        db.session.commit()
        data = {**{k: u.email for k, u in people.items()}, "admin": admin.email, "seller": seller.email,
                "snack": snack.slug, "boxes": boxes.slug}
        db.session.remove()
        return data


def _books_balanced(app):
    result = app.test_cli_runner().invoke(args=["payments", "check"])
    assert result.exit_code == 0 and "Books balanced." in result.output, result.output


def _checkout(page, live_server, mode_label, kode_rup="48123456"):
    page.goto(live_server.url("/cart/checkout"))
    axe_check(page)
    page.get_by_label("Requested date").fill((clock.today() + timedelta(days=3)).isoformat())
    page.get_by_label("Time window").select_option("10-12")
    page.get_by_label("Department purchase", exact=True).check()
    page.get_by_label("How the department pays").select_option(label=mode_label)
    page.get_by_label("Kode RUP (for department purchase)").fill(kode_rup)
    page.get_by_label("Kode rekening belanja (for department purchase)").fill("5.1.02.01.01.0024")
    page.get_by_label("Purpose (for department purchase)").fill("Rapat evaluasi SPBE triwulan IV")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_text(mode_label)).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.locator(".flash-messages")).to_contain_text("Your order has been placed")


def _approve_and_deliver(browser, live_server, data, order_id):
    ctx, approver = _session(browser, live_server, data["approver"])
    approver.goto(live_server.url(f"/department/orders/{order_id}"))
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator(".flash-messages")).to_contain_text("Surat Pesanan has been issued")
    ctx.close()
    ctx, seller = _session(browser, live_server, data["seller"])
    seller.goto(live_server.url(f"/sales/{order_id}"))
    for label in ("Accept order", "Mark ready", "Mark delivered"):
        seller.get_by_role("button", name=label).click()
        expect(seller.locator(".flash-messages")).to_be_visible()
    ctx.close()


def _photograph(browser, live_server, email, paths, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for lang in ("en", "id"):
        for width, height in ((375, 667), (1280, 800)):
            ctx, page = _session(browser, live_server, email)
            page.set_viewport_size({"width": width, "height": height})
            if lang == "id":
                with page.expect_navigation():
                    page.get_by_role("button", name="Bahasa Indonesia").click()
            for index, path in enumerate(paths):
                page.goto(live_server.url(path))
                page.screenshot(path=os.path.join(SHOTS, f"{name}-{index}-{lang}-{width}.png"), full_page=True)
            ctx.close()


def test_ls_with_tax_treasurer_and_register(live_server, browser):
    app = live_server.app
    data = _setup(app)
    context, page = _session(browser, live_server, data["purchaser"])
    _add_to_cart(page, live_server, data["snack"], 50)
    _add_to_cart(page, live_server, data["boxes"], 50)
    _checkout(page, live_server, "LS: treasury transfer after the invoice")
    (order_id, number, state, total), = _orders(app, data["purchaser"])
    assert state == "awaiting_approval" and total == 3_310_000
    _approve_and_deliver(browser, live_server, data, order_id)

    # The purchaser confirms the BAST: the invoice carries the tax lines.
    page.goto(live_server.url(f"/department/orders/{order_id}"))
    page.get_by_role("button", name="Confirm BAST").click()
    expect(page.locator(".flash-messages")).to_contain_text("invoice has been issued")
    tax = page.get_by_role("region", name="Tax")
    for text in ("PPN", "PPh 22", "PPh 23", "PBJT", "Rp 3.310.000", "Rp 110.000", "Rp 15.000", "Rp 40.000",
                 "Rp 3.145.000", "PMK 131/2024"):
        expect(tax).to_contain_text(text)
    axe_check(page)
    invoice = page.request.get(live_server.url(f"/department/orders/{order_id}/documents/invoice.pdf"))
    assert invoice.ok and "PPh Pasal 23" in pdf_text(invoice.body())
    context.close()

    # The treasurer pays the net, with the slip and the NTPN.
    ctx, treasurer = _session(browser, live_server, data["treasurer"])
    header = treasurer.locator("header")
    if header.get_by_role("button", name=re.compile("^Department")).count():
        header.get_by_role("button", name=re.compile("^Department")).click()
    header.get_by_role("link", name=re.compile("Treasury")).click()
    expect(treasurer.get_by_role("row", name=re.compile(number))).to_contain_text("Rp 3.145.000")
    axe_check(treasurer)
    treasurer.get_by_role("row", name=re.compile(number)).get_by_role("link").first.click()
    treasurer.get_by_label("Amount (Rp)").fill("3310000")
    treasurer.get_by_label("Transfer reference").fill("SP2D 00077/LS/2026")
    treasurer.get_by_label("Withholding/collection slip (bukti potong/pungut)").fill("BPU-2026-0091")
    treasurer.get_by_label("NTPN", exact=True).fill("A1B2C3D4E5F6G7H8")
    treasurer.get_by_role("button", name="Record payment").click()
    expect(treasurer.locator(".flash-messages")).to_contain_text("does not match the invoice amount")
    treasurer.get_by_label("Amount (Rp)").fill("3.145.000")
    treasurer.get_by_label("Transfer reference").fill("SP2D 00077/LS/2026")
    treasurer.get_by_label("Withholding/collection slip (bukti potong/pungut)").fill("BPU-2026-0091")
    treasurer.get_by_label("NTPN", exact=True).fill("A1B2C3D4E5F6G7H8")
    treasurer.get_by_role("button", name="Record payment").click()
    expect(treasurer.locator(".flash-messages")).to_contain_text("paid and completed")
    axe_check(treasurer)

    # The register shows it, and its CSV export too.
    treasurer.goto(live_server.url("/department/treasury"))
    treasurer.get_by_role("link", name="Monthly tax register").click()
    row = treasurer.get_by_role("row", name=re.compile("Katering Equator"))
    for text in ("012345678701000", "Rp 110.000", "Rp 15.000", "Rp 40.000", "BPU-2026-0091", "A1B2C3D4E5F6G7H8"):
        expect(row).to_contain_text(text)
    axe_check(treasurer)
    with treasurer.expect_download() as download:
        treasurer.get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["PPN"], record["PPh 22"], record["PPh 23"], record["Slip (bukti potong/pungut)"],
            record["NTPN"]) == ("110000", "15000", "40000", "BPU-2026-0091", "A1B2C3D4E5F6G7H8")
    ctx.close()
    _books_balanced(app)
    _photograph(browser, live_server, data["treasurer"],
                ["/department/treasury", "/department/treasury/register", f"/department/orders/{order_id}"],
                "treasurer")
    _photograph(browser, live_server, data["admin"], ["/admin/tax-rules"], "admin")


def test_up_paid_by_the_treasurer_at_the_handover(live_server, browser):
    app = live_server.app
    from app.extensions import db
    from app.models import Product

    with app.app_context():
        slug = db.session.execute(db.select(Product.slug).where(Product.name == "Snack Box Rapat")).scalar_one()
        db.session.remove()
    data = {"purchaser": "dian.pp@pontianak.go.id", "approver": "rahmat.ppk@pontianak.go.id",
            "treasurer": "nurul.bp@pontianak.go.id", "seller": _seller_email(app)}
    before = len(_orders(app, data["purchaser"]))
    context, page = _session(browser, live_server, data["purchaser"])
    _add_to_cart(page, live_server, slug, 20)
    # Another procurement package (kode RUP): under the same one, the first order's Rp 3.310.000
    # would count towards the treasurer's threshold (not split) and tax would be withheld.
    _checkout(page, live_server, "UP: the treasurer pays at the handover", kode_rup="48123999")
    order_id, number, _state, total = _orders(app, data["purchaser"])[-1]
    assert len(_orders(app, data["purchaser"])) == before + 1 and total == 444_000
    _approve_and_deliver(browser, live_server, data, order_id)
    # The purchaser has no BAST to confirm: the treasurer's payment does it.
    page.goto(live_server.url(f"/department/orders/{order_id}"))
    expect(page.get_by_role("button", name="Confirm BAST")).to_have_count(0)
    context.close()

    ctx, treasurer = _session(browser, live_server, data["treasurer"])
    treasurer.goto(live_server.url("/department/treasury"))
    treasurer.get_by_role("link", name=number).click()
    axe_check(treasurer)
    treasurer.get_by_label("Amount paid (Rp)").fill("444000")
    treasurer.get_by_role("button", name="Record payment and issue the kuitansi").click()
    expect(treasurer.locator(".flash-messages")).to_contain_text("kuitansi issued")
    link = treasurer.get_by_role("link", name=re.compile("Receipt \\(kuitansi\\)"))
    expect(link).to_be_visible()
    axe_check(treasurer)
    pdf = treasurer.request.get(live_server.url(f"/department/orders/{order_id}/documents/kuitansi.pdf"))
    assert pdf.ok and "KUITANSI" in pdf_text(pdf.body())
    assert "Empat ratus empat puluh empat ribu rupiah" in pdf_text(pdf.body())
    treasurer.goto(live_server.url("/department/treasury"))
    treasurer.get_by_role("link", name="UP spending report (SPJ)").click()
    expect(treasurer.get_by_role("row", name=re.compile(number))).to_contain_text("Receipt (kuitansi)")
    axe_check(treasurer)
    ctx.close()
    _books_balanced(app)
    _photograph(browser, live_server, data["treasurer"], ["/department/treasury/up", f"/department/orders/{order_id}"],
                "up")


def _seller_email(app):
    from app.extensions import db
    from app.models import Store
    from tests import factories

    with app.app_context():
        store = db.session.execute(db.select(Store).where(Store.name == "Katering Equator")).scalar_one()
        email = factories.store_owner(store).email
        db.session.remove()
        return email
