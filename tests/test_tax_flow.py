"""Department purchases a treasurer can pay: the tax on the invoice from the dated rules and
the store's tax documents, the treasurer's payment of the net with slip and NTPN, UP at the
handover with its kuitansi, the tax register, the admin's rules; every refusal."""
import csv
import io
from datetime import date, timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import AuditEntry, DepartmentPurchase, InvoiceTaxLine, Order, TaxRule
from app.services import Invalid, ledger, tax_rules
from app.services.documents import normalise_npwp
from tests.pdf_helpers import pdf_text
from tests.department_helpers import department_checkout, make_team
from tests.helpers import page_text
from tests.order_helpers import add, orders_of, use_english


class Setup:
    pass


@pytest.fixture
def world(app, factories):
    """A department with purchaser, approver and treasurer; a PKP store selling meeting
    snacks (goods) and catering; another department's treasurer; the default tax rules."""
    team = make_team(factories)
    w = Setup()
    w.team = team
    w.treasurer = factories.BuyerFactory(full_name="Nurul Aini", department=team.department, locale="en")
    factories.department_role(w.treasurer, "treasurer")
    w.other_treasurer = factories.BuyerFactory(full_name="Hendra Gunawan", locale="en")
    factories.department_role(w.other_treasurer, "treasurer")
    store = factories.StoreFactory(verified=True, name="Dapur Kapuas")
    catering = factories.CategoryFactory(name_en="Catering", tax_kind="catering")
    w.snack = factories.ProductFactory(live=True, store=store, name="Snack Box Rapat", price=22_200, stock=200)
    w.catering = factories.ProductFactory(live=True, store=store, category=catering, name="Nasi Kotak",
                                          price=44_000, stock=200)
    w.seller = factories.store_owner(store)
    w.seller.locale = "en"
    factories.DocumentFactory(store=store, kind="npwp", number="012345678701000")
    factories.DocumentFactory(store=store, kind="sppkp", number="PEM-00123/WPJ.26/KP.0203/2024")
    w.store = store
    tax_rules.seed_default_rules()
    db.session.commit()
    return w


def login(client, auth, user):
    auth.logout()
    auth.login(user.email)
    use_english(client)


def place(client, auth, w, snacks=50, boxes=50, **extra):
    login(client, auth, w.team.purchaser)
    if snacks:
        add(client, w.snack.id, snacks)
    if boxes:
        add(client, w.catering.id, boxes)
    response = department_checkout(client, **extra)
    assert response.status_code == 303, page_text(response)
    return orders_of(w.team.purchaser.id)[-1]


def approve_and_deliver(client, auth, w, order_id):
    login(client, auth, w.team.approver)
    assert client.post(f"/department/orders/{order_id}/approve", data={"note": ""}).status_code == 303
    login(client, auth, w.seller)
    for step in ("accept", "ready", "delivered"):
        response = client.post(f"/sales/{order_id}/{step}")
        assert response.status_code == 303, (step, page_text(response))


def invoiced(client, auth, w):
    order = place(client, auth, w)
    approve_and_deliver(client, auth, w, order.id)
    login(client, auth, w.team.purchaser)
    assert client.post(f"/department/orders/{order.id}/bast").status_code == 303
    return order


def purchase_of(order_id):
    db.session.expire_all()
    return db.session.execute(db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order_id)).scalar_one()


def pay(client, order_id, **data):
    values = {"paid_on": clock.today().isoformat(), "amount": "3145000", "reference": "SP2D-00077/LS/2026",
              "slip": "BPU-2026-0091", "ntpn": "A1B2C3D4E5F6G7H8"}
    values.update(data)
    return client.post(f"/department/orders/{order_id}/payment", data=values)


def test_ls_invoice_carries_the_tax_and_the_treasurer_pays_the_net(app, client, auth, world):
    w = world
    order = place(client, auth, w)
    # Before the invoice the order shows the tax it would carry.
    login(client, auth, w.team.purchaser)
    page = page_text(client.get(f"/department/orders/{order.id}"))
    assert "Net payable to the store" in page and "Rp\u00a03.145.000" in page
    approve_and_deliver(client, auth, w, order.id)
    login(client, auth, w.team.purchaser)
    assert client.post(f"/department/orders/{order.id}/bast").status_code == 303
    purchase = purchase_of(order.id)
    assert (purchase.invoice_amount, purchase.tax_withheld, purchase.net_payable) == (3_310_000, 165_000, 3_145_000)
    lines = {(t.tax, t.applies_to): (t.base, t.amount, t.withheld) for t in purchase.tax_lines}
    assert lines == {("ppn", "goods"): (916_667, 110_000, 110_000), ("pph22", "goods"): (1_000_000, 15_000, 15_000),
                     ("pbjt", "catering"): (2_000_000, 200_000, 0), ("pph23", "catering"): (2_000_000, 40_000, 40_000)}
    invoice = client.get(f"/department/orders/{order.id}/documents/invoice.pdf")
    assert invoice.status_code == 200 and b"/Subtype /Image" in invoice.data  # the verification QR code
    for text in ("PPN", "PPh Pasal 22", "PPh Pasal 23", "PBJT", "Rp 3.145.000", "012345678701000"):
        assert text in pdf_text(invoice.data), text

    # The treasurer sees it due, with the net.
    login(client, auth, w.treasurer)
    desk = page_text(client.get("/department/treasury"))
    assert purchase.invoice_number in desk and "Rp\u00a03.145.000" in desk
    # The gross is not what is paid; a slip is needed; an NTPN has its shape.
    for data, message in (({"amount": "3310000"}, "does not match the invoice amount"),
                          ({"slip": ""}, "bukti potong/pungut"),
                          ({"ntpn": "12-34"}, "NTPN is the 16"),
                          ({"ntpn": "", "ntpn_pending": ""}, "NTPN is the 16"),
                          ({"ntpn_pending": "y"}, "not both")):
        response = pay(client, order.id, **data)
        assert response.status_code == 422, data
        assert message in page_text(response), data
        assert purchase_of(order.id).treasury_recorded_at is None
    response = pay(client, order.id, ntpn="", ntpn_pending="y")
    assert response.status_code == 303
    purchase = purchase_of(order.id)
    assert db.session.get(Order, order.id).state == "completed"
    assert (purchase.treasury_amount, purchase.tax_slip, purchase.ntpn, purchase.ntpn_pending) == (
        3_145_000, "BPU-2026-0091", "", True)
    # Paying twice is refused; the NTPN follows once the tax is paid.
    assert pay(client, order.id).status_code == 409
    assert client.post(f"/department/orders/{order.id}/ntpn", data={"ntpn": "bad"}).status_code == 422
    assert client.post(f"/department/orders/{order.id}/ntpn", data={"ntpn": "a1b2c3d4e5f6g7h8"}).status_code == 303
    assert purchase_of(order.id).ntpn == "A1B2C3D4E5F6G7H8"
    actions = set(db.session.execute(
        db.select(AuditEntry.action).where(AuditEntry.action.like("department.%"))).scalars())
    assert {"department.confirm_bast", "department.treasury_payment", "department.ntpn"} <= actions

    # The register: per store, NPWP, what was withheld, slip and NTPN; CSV and XLSX.
    today = clock.today()
    register = page_text(client.get("/department/treasury/register"))
    assert "Dapur Kapuas" in register and "012345678701000" in register and "A1B2C3D4E5F6G7H8" in register
    response = client.get(f"/department/treasury/register?month={today.month}&year={today.year}&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["NPWP"], row["PPN"], row["PPh 22"], row["PPh 23"], row["Net paid"], row["NTPN"]) == (
        "012345678701000", "110000", "15000", "40000", "3145000", "A1B2C3D4E5F6G7H8")
    xlsx = client.get(f"/department/treasury/register?month={today.month}&year={today.year}&format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert 3_145_000 in values and "BPU-2026-0091" in values
    assert ledger.check_books().balanced


def test_the_qr_code_opens_the_verification_page(app):
    import segno  # noqa: F401 - the generator the documents use

    from app.services.documents_pdf import _qr_png, verification_url

    with app.app_context():
        url = verification_url("ABCDEFGHJK")
        png = _qr_png(url).getvalue()
    assert url.endswith("/verifikasi/ABCDEFGHJK") and png.startswith(b"\x89PNG")


def test_who_may_pay(app, client, auth, world):
    w = world
    order = invoiced(client, auth, w)
    # Another department's treasurer: the order does not exist for them.
    login(client, auth, w.other_treasurer)
    assert pay(client, order.id).status_code == 404
    assert client.get(f"/department/orders/{order.id}").status_code == 404
    assert client.post(f"/department/orders/{order.id}/ntpn", data={"ntpn": "A1B2C3D4E5F6G7H8"}).status_code == 404
    assert "Dapur Kapuas" not in page_text(client.get("/department/treasury/register"))
    # Parties who are not the treasurer: 403; a buyer with no treasurer role: no desk.
    for user in (w.team.purchaser, w.team.approver, w.seller):
        login(client, auth, user)
        assert pay(client, order.id).status_code == 403, user.email
    login(client, auth, w.team.purchaser)
    assert client.get("/department/treasury").status_code == 403
    assert client.get("/department/treasury/register?format=csv").status_code == 403
    assert purchase_of(order.id).treasury_recorded_at is None


def test_an_issued_invoice_never_changes(app, client, auth, world, factories):
    w = world
    order = invoiced(client, auth, w)
    before = [(t.tax, t.amount, t.withheld) for t in purchase_of(order.id).tax_lines]
    # The store gets the certificate and the law changes from tomorrow: new orders change, this one does not.
    factories.DocumentFactory(store=w.store, kind="pp55", number="KET-00012/PP55/2026",
                              expires_on=clock.today() + timedelta(days=300))
    admin = w.team.admin
    tax_rules.add_rule(admin, tax_rules.RuleInput(
        tax="pph22", applies_to="goods", store_vat="any", store_certificate="without", rate_bp=250, base_num=1,
        base_den=1, threshold=2_000_000, legal_basis="Perubahan PMK", effective_from=clock.today() + timedelta(days=1),
        effective_until=None))
    assert [(t.tax, t.amount, t.withheld) for t in purchase_of(order.id).tax_lines] == before
    login(client, auth, w.team.purchaser)
    assert "Rp\u00a03.145.000" in page_text(client.get(f"/department/orders/{order.id}"))
    # A rule the invoice used cannot be edited.
    used = db.session.execute(db.select(InvoiceTaxLine.rule_id).where(InvoiceTaxLine.tax == "ppn")).scalars().first()
    login(client, auth, admin)
    response = client.post(f"/admin/tax-rules?rule={used}", data=_rule_form(rate_bp="1300"))
    assert response.status_code == 409 and "add a new rule" in page_text(response).lower()
    assert db.session.get(TaxRule, used).rate_bp == 1200


def test_certificate_expiry_changes_new_invoices_only(app, client, auth, world, factories):
    w = world
    factories.DocumentFactory(store=w.store, kind="pp55", number="KET-1", expires_on=clock.today() + timedelta(days=1))
    first = invoiced(client, auth, w)
    assert {t.tax for t in purchase_of(first.id).tax_lines} == {"ppn", "pbjt", "pph_final"}
    clock.travel(timedelta(days=3))
    try:
        second = invoiced(client, auth, w)
        assert {t.tax for t in purchase_of(second.id).tax_lines} == {"ppn", "pbjt", "pph22", "pph23"}
        assert {t.tax for t in purchase_of(first.id).tax_lines} == {"ppn", "pbjt", "pph_final"}
    finally:
        clock.travel(-timedelta(days=3))


def _rule_form(**overrides):
    data = {"tax": "ppn", "applies_to": "goods", "store_vat": "pkp", "store_certificate": "any", "rate_bp": "1200",
            "base_num": "11", "base_den": "12", "threshold": "2000000", "legal_basis": "PMK 131/2024",
            "effective_from": "2025-01-01", "effective_until": ""}
    data.update(overrides)
    return data


def test_tax_rules_admin(app, client, auth, world):
    w = world
    login(client, auth, w.team.admin)
    page = page_text(client.get("/admin/tax-rules"))
    assert "PMK 131/2024" in page and "UU HKPD 1/2022" in page
    count = db.session.execute(db.select(db.func.count(TaxRule.id))).scalar_one()
    # Overlapping the 2025 PPN rule: refused, nothing written.
    response = client.post("/admin/tax-rules", data=_rule_form(effective_from="2026-06-01"))
    assert response.status_code == 409 and "overlaps" in page_text(response)
    for bad in ({"rate_bp": "0"}, {"rate_bp": "abc"}, {"base_num": "13"}, {"legal_basis": ""},
                {"effective_from": "2026-13-01"}, {"effective_until": "2020-01-01"}, {"tax": "zakat"}):
        response = client.post("/admin/tax-rules", data=_rule_form(**bad))
        assert response.status_code in (400, 422), bad
    assert db.session.execute(db.select(db.func.count(TaxRule.id))).scalar_one() == count
    # A rule starting in the future ends the open-ended one the day before.
    start = clock.today() + timedelta(days=30)
    response = client.post("/admin/tax-rules", data=_rule_form(rate_bp="1300", base_num="1", base_den="1",
                                                               effective_from=start.isoformat(),
                                                               legal_basis="PMK baru"))
    assert response.status_code == 303, page_text(response)
    db.session.expire_all()
    old = db.session.execute(db.select(TaxRule).where(TaxRule.tax == "ppn", TaxRule.applies_to == "goods",
                                                      TaxRule.effective_from == date(2025, 1, 1))).scalar_one()
    assert old.effective_until == start - timedelta(days=1)
    assert db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "tax_rule.add")).first()
    # A category's tax kind.
    category = w.snack.category
    assert client.post("/admin/tax-rules/categories", data={"category_id": category.id,
                                                             "tax_kind": "service"}).status_code == 303
    assert db.session.get(type(category), category.id).tax_kind == "service"
    assert client.post("/admin/tax-rules/categories", data={"category_id": 99999,
                                                             "tax_kind": "service"}).status_code == 404
    # Nobody else.
    login(client, auth, w.treasurer)
    assert client.get("/admin/tax-rules").status_code == 403
    assert client.post("/admin/tax-rules", data=_rule_form(effective_from="2030-01-01")).status_code == 403


@pytest.mark.parametrize("typed,stored", [("01.234.567.8-701.000", "012345678701000"),
                                          ("3171012345678901", "3171012345678901")])
def test_npwp_is_15_or_16_digits(typed, stored):
    assert normalise_npwp(typed) == stored


@pytest.mark.parametrize("typed", ["123", "01.234.567.8-701.00", "31710123456789012", "NPWP0123456789012", ""])
def test_malformed_npwp_refused(typed):
    with pytest.raises(Invalid):
        normalise_npwp(typed)


def test_up_by_the_treasurer_at_the_handover_with_a_kuitansi(app, client, auth, world):
    w = world
    from app.models import DepartmentRole

    db.session.execute(db.update(DepartmentRole).where(DepartmentRole.user_id == w.treasurer.id)
                       .values(nip="198503142010011002"))
    db.session.commit()
    app.config["DEPARTMENT_UP_CAP"] = 3_000_000
    # Over the UP cap: refused at checkout, nothing placed.
    login(client, auth, w.team.purchaser)
    add(client, w.snack.id, 50)
    add(client, w.catering.id, 50)
    from tests.department_helpers import department_details
    from tests.order_helpers import details

    response = client.post("/cart/checkout", data=details(**department_details(**{
        "department-payment_mode": "up_treasurer"})))
    assert response.status_code == 422 and "at most Rp\u00a03.000.000" in page_text(response)
    assert orders_of(w.team.purchaser.id) == []
    from app.models import CartItem

    item = db.session.execute(db.select(CartItem).where(CartItem.product_id == w.catering.id)).scalar_one()
    assert client.post(f"/cart/items/{item.id}/remove").status_code in (302, 303)
    order = place(client, auth, w, snacks=0, boxes=0, **{"department-payment_mode": "up_treasurer"})
    purchase = purchase_of(order.id)
    assert purchase.payment_mode == "up_treasurer" and order.total == 1_110_000
    approve_and_deliver(client, auth, w, order.id)
    # No kuitansi before the payment; the purchaser does not confirm the BAST of a UP order.
    login(client, auth, w.team.purchaser)
    assert client.get(f"/department/orders/{order.id}/documents/kuitansi.pdf").status_code == 404
    assert "Confirm BAST" not in page_text(client.get(f"/department/orders/{order.id}"))
    # Someone else's treasurer, or a wrong amount: refused.
    login(client, auth, w.other_treasurer)
    handover = {"paid_on": clock.today().isoformat(), "amount": "1110000"}
    assert client.post(f"/department/orders/{order.id}/handover-payment", data=handover).status_code == 404
    login(client, auth, w.treasurer)
    desk = page_text(client.get("/department/treasury"))
    assert order.number in desk
    response = client.post(f"/department/orders/{order.id}/handover-payment", data={**handover, "amount": "1000000"})
    assert response.status_code == 422 and "net payable" in page_text(response)
    assert purchase_of(order.id).tax_issued_at is None
    # Below the threshold nothing is withheld: the treasurer pays the gross.
    response = client.post(f"/department/orders/{order.id}/handover-payment", data=handover)
    assert response.status_code == 303, page_text(response)
    purchase = purchase_of(order.id)
    assert db.session.get(Order, order.id).state == "completed" and purchase.kuitansi_number
    assert (purchase.net_payable, purchase.tax_withheld, purchase.treasury_amount) == (1_110_000, 0, 1_110_000)
    assert client.post(f"/department/orders/{order.id}/handover-payment", data=handover).status_code == 409
    kuitansi = client.get(f"/department/orders/{order.id}/documents/kuitansi.pdf")
    assert kuitansi.status_code == 200 and "KUITANSI" in pdf_text(kuitansi.data)
    assert "Satu juta seratus sepuluh ribu rupiah" in pdf_text(kuitansi.data)
    assert "Nurul Aini" in pdf_text(kuitansi.data) and "NIP 198503142010011002" in pdf_text(kuitansi.data)
    # The public page verifies the kuitansi.
    verify = client.get(f"/verifikasi/{purchase.kuitansi_code}")
    assert verify.status_code == 200 and purchase.kuitansi_number in page_text(verify)
    # The UP report lists it with its documents.
    report = page_text(client.get("/department/treasury/up"))
    assert order.number in report and "Receipt (kuitansi)" in report
    assert ledger.check_books().balanced


def test_up_treasurer_needs_a_treasurer(app, client, auth, world):
    w = world
    from app.models import DepartmentRole

    db.session.execute(db.delete(DepartmentRole).where(DepartmentRole.role == "treasurer"))
    db.session.commit()
    login(client, auth, w.team.purchaser)
    add(client, w.snack.id, 10)
    from tests.department_helpers import department_details
    from tests.order_helpers import details

    response = client.post("/cart/checkout", data=details(**department_details(**{
        "department-payment_mode": "up_treasurer"})))
    assert response.status_code == 409 and "no treasurer" in page_text(response)
    response = client.post("/cart/checkout", data=details(**department_details(**{
        "department-payment_mode": "barter"})))
    assert response.status_code == 422


def test_admin_names_a_treasurer_with_a_nip(app, client, auth, world, factories):
    from app.models import DepartmentRole

    w = world
    colleague = factories.BuyerFactory(full_name="Agus Salim", department=w.team.department)
    login(client, auth, w.team.admin)
    url = f"/admin/departments/{w.team.department.id}"
    bad = client.post(url, data={"action": "role", "email": colleague.email, "role": "treasurer", "nip": "12345"})
    assert bad.status_code == 422 and "18 digits" in page_text(bad)
    assert not db.session.execute(db.select(DepartmentRole).where(DepartmentRole.user_id == colleague.id)).first()
    response = client.post(url, data={"action": "role", "email": colleague.email, "role": "treasurer",
                                      "nip": "19850314 201001 1 002"})
    assert response.status_code == 303
    row = db.session.execute(db.select(DepartmentRole).where(DepartmentRole.user_id == colleague.id)).scalar_one()
    assert (row.role, row.nip) == ("treasurer", "198503142010011002")
    assert "NIP 198503142010011002" in page_text(client.get(url))
