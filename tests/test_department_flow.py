"""Department purchase: the full path from checkout on a budget line to the treasury
payment, and every refusal along the way."""
import re

import pytest

from app.extensions import db
from app.models import AuditEntry, DepartmentPurchase, Notification, Order
from tests.pdf_helpers import pdf_text
from tests.conftest import outbox
from tests.department_helpers import department_checkout, department_details, make_team, purchases_of
from tests.helpers import page_text
from tests.order_helpers import add, details, orders_of, stock_of, use_english


@pytest.fixture
def team(factories):
    return make_team(factories)


def login(client, auth, user):
    auth.logout()
    auth.login(user.email)
    use_english(client)


def place_department_order(client, auth, team, coffee=2, snack=12):
    login(client, auth, team.purchaser)
    add(client, team.coffee.id, coffee)
    add(client, team.snack.id, snack)
    response = department_checkout(client)
    assert response.status_code == 303, page_text(response)
    return orders_of(team.purchaser.id)


def order_of(order_id):
    db.session.expire_all()
    return db.session.get(Order, order_id)


def deliver(client, auth, seller, order_id):
    login(client, auth, seller)
    for step in ("accept", "ready", "delivered"):
        response = client.post(f"/sales/{order_id}/{step}")
        assert response.status_code == 303, (step, page_text(response))


def test_full_path_from_checkout_to_treasury_payment(app, client, auth, team):
    # The purchaser checks out meeting snacks from two stores on a budget line.
    login(client, auth, team.purchaser)
    add(client, team.coffee.id, 2)
    add(client, team.snack.id, 12)
    checkout_page = page_text(client.get("/cart/checkout"))
    assert "Department purchase" in checkout_page and "Kode RUP" in checkout_page
    response = client.post("/cart/checkout", data=details(**department_details()))
    assert response.status_code == 303
    review = page_text(client.get("/cart/checkout/review"))
    assert "48123456" in review and "5.1.02.01.01.0024" in review and "Rapat koordinasi 12 Desember" in review
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review).group(1)
    response = client.post("/cart/checkout/place", data={"idempotency_key": key, "expected_total": "390000"})
    assert response.status_code == 303
    orders = orders_of(team.purchaser.id)
    assert len(orders) == 2
    assert all(o.state == "awaiting_approval" and o.payment_method == "department" for o in orders)
    assert stock_of(team.coffee.id) == 8 and stock_of(team.snack.id) == 38  # held while waiting
    purchases = purchases_of(team.purchaser.id)
    assert [p.kode_rup for p in purchases] == ["48123456", "48123456"]
    assert purchases[0].purpose == "Rapat koordinasi 12 Desember" and purchases[0].decision == ""
    # The approver hears of it; the stores do not yet.
    assert any("Approval needed" in subject for _to, subject, _b in outbox(app, to=team.approver.email))
    assert not outbox(app, to=team.coffee_seller.email)
    # The purchaser's list shows them.
    listing = page_text(client.get("/department/purchases"))
    assert all(o.number in listing for o in orders)

    # The approver sees the queue with items, stores, totals, budget line, purpose, requester.
    login(client, auth, team.approver)
    home = page_text(client.get("/"))
    assert "Approvals" in home
    queue = page_text(client.get("/department/approvals"))
    for text in (orders[0].number, orders[1].number, "Kopi Aming Bubuk", "Snack Box Rapat", "Rp\u00a090.000",
                 "Rp\u00a0300.000", "48123456", "5.1.02.01.01.0024", "Rapat koordinasi 12 Desember", "Budi Santoso",
                 team.coffee.store.name):
        assert text in queue, text
    for order in orders:
        response = client.post(f"/department/orders/{order.id}/approve", data={"note": "Sesuai DPA"})
        assert response.status_code == 303
        assert order_of(order.id).state == "placed"
    assert "Nothing is waiting" in page_text(client.get("/department/approvals"))
    # The purchaser hears the decision; each store hears of its approved order.
    assert any("Approved" in s for _t, s, _b in outbox(app, to=team.purchaser.email))
    assert any("New department order" in s for _t, s, _b in outbox(app, to=team.coffee_seller.email))
    assert any("New department order" in s for _t, s, _b in outbox(app, to=team.snack_seller.email))
    sp = client.get(f"/department/orders/{orders[0].id}/documents/sp.pdf")
    assert sp.status_code == 200 and sp.data.startswith(b"%PDF-") and orders[0].number in pdf_text(sp.data)
    assert "SURAT PESANAN" in pdf_text(sp.data) and "Rahmat Hidayat" in pdf_text(sp.data)

    # The stores deliver.
    deliver(client, auth, team.coffee_seller, orders[0].id)
    deliver(client, auth, team.snack_seller, orders[1].id)
    assert order_of(orders[0].id).state == "delivered"

    # The purchaser confirms the BAST; the invoice appears; admins hear it is due.
    login(client, auth, team.purchaser)
    page = page_text(client.get(f"/department/orders/{orders[0].id}"))
    assert "Confirm BAST" in page and "Confirm receipt" not in page
    bast = client.get(f"/department/orders/{orders[0].id}/documents/bast.pdf")
    assert bast.status_code == 200 and "BERITA ACARA SERAH TERIMA" in pdf_text(bast.data)
    assert orders[0].number in pdf_text(bast.data)
    assert client.get(f"/department/orders/{orders[0].id}/documents/invoice.pdf").status_code == 404  # not yet
    for order in orders:
        assert client.post(f"/department/orders/{order.id}/bast").status_code == 303
        assert order_of(order.id).state == "invoiced"
    page = page_text(client.get(f"/department/orders/{orders[0].id}"))
    assert "Invoice" in page
    invoice = client.get(f"/department/orders/{orders[0].id}/documents/invoice.pdf")
    assert invoice.status_code == 200 and invoice.data.startswith(b"%PDF-")
    assert orders[0].number in pdf_text(invoice.data) and "Rp 90.000" in pdf_text(invoice.data)
    assert any("Invoice due" in s for _t, s, _b in outbox(app, to=team.admin.email))
    # The seller's own "confirm receipt" path cannot complete a department order.
    assert client.post(f"/orders/{orders[0].id}/confirm").status_code == 409

    # The admin records the treasury payment: a mismatch is refused, the right amount completes.
    login(client, auth, team.admin)
    spend = page_text(client.get("/department/spend"))
    assert team.department.name in spend and "Rp\u00a0390.000" in spend  # owed
    bad = client.post(f"/department/orders/{orders[0].id}/payment",
                      data={"paid_on": details()["requested_date"][:0] or "", "amount": "90000", "reference": "X"})
    assert bad.status_code == 422  # no date
    from app import clock

    today = clock.today().isoformat()
    bad = client.post(f"/department/orders/{orders[0].id}/payment",
                      data={"paid_on": today, "amount": "89000", "reference": "SP2D-0001"})
    assert bad.status_code == 422 and "does not match the invoice amount" in page_text(bad)
    assert order_of(orders[0].id).state == "invoiced" and order_of(orders[0].id).payment_state == "due"
    for order, amount in ((orders[0], "90.000"), (orders[1], "300000")):
        response = client.post(f"/department/orders/{order.id}/payment",
                               data={"paid_on": today, "amount": amount, "reference": f"SP2D-{order.id}"})
        assert response.status_code == 303
        done = order_of(order.id)
        assert done.state == "completed" and done.payment_state == "paid"
    again = client.post(f"/department/orders/{orders[0].id}/payment",
                        data={"paid_on": today, "amount": "90000", "reference": "SP2D-2"})
    assert again.status_code == 409
    spend = page_text(client.get("/department/spend"))
    assert "Rp\u00a0390.000" in spend  # paid now
    row = db.session.execute(
        db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == orders[0].id)).scalar_one()
    assert row.treasury_amount == 90000 and row.treasury_reference == f"SP2D-{orders[0].id}"

    # Every step is in the audit log with before and after.
    actions = [a for (a,) in db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id))]
    for action in ("department.request", "department.approve", "order.approve", "order.mark_delivered",
                   "department.confirm_bast", "department.treasury_payment"):
        assert action in actions, action
    entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "department.approve")).scalars().first()
    assert entry.actor_id == team.approver.id and entry.before["state"] == "awaiting_approval"
    assert entry.after["state"] == "placed"

    # The verification page confirms the documents, without personal data.
    verify = client.get(f"/verifikasi/{row.invoice_code}")
    assert verify.status_code == 200
    text = page_text(verify)
    assert row.invoice_number in text and team.department.name in text and "Budi Santoso" in text
    assert team.purchaser.email not in text
    assert client.get("/verifikasi/AAAAA-BBBBB").status_code == 404


def test_self_approval_is_refused(app, client, auth, factories):
    team = make_team(factories)
    factories.department_role(team.approver, "purchaser")  # the approver also buys
    second = factories.BuyerFactory(department=team.department)
    factories.department_role(second, "approver")
    login(client, auth, team.approver)
    add(client, team.coffee.id, 1)
    assert department_checkout(client).status_code == 303
    order = orders_of(team.approver.id)[0]
    assert "You placed this order" in page_text(client.get(f"/department/orders/{order.id}"))
    response = client.post(f"/department/orders/{order.id}/approve")
    assert response.status_code == 403
    assert "another approver of your department must decide it" in page_text(response)
    assert order_of(order.id).state == "awaiting_approval"
    # Another approver of the same department can.
    login(client, auth, second)
    assert client.post(f"/department/orders/{order.id}/approve").status_code == 303
    assert order_of(order.id).state == "placed"


def test_checkout_refused_when_no_other_approver(client, auth, factories):
    team = make_team(factories)
    # The only approver of their department cannot buy for it: nobody could approve.
    solo = factories.BuyerFactory(department=factories.DepartmentFactory())
    factories.department_role(solo, "purchaser")
    factories.department_role(solo, "approver")
    login(client, auth, solo)
    add(client, team.coffee.id, 1)
    response = client.post("/cart/checkout", data=details(**department_details()))
    assert response.status_code == 409 and "no approver" in page_text(response)


def test_another_departments_approver_cannot_see_or_decide(client, auth, team):
    order = place_department_order(client, auth, team)[0]
    login(client, auth, team.other_approver)
    assert order.number not in page_text(client.get("/department/approvals"))
    assert client.get(f"/department/orders/{order.id}").status_code == 404
    assert client.post(f"/department/orders/{order.id}/approve").status_code == 404
    assert client.post(f"/department/orders/{order.id}/refuse", data={"note": "Tidak"}).status_code == 404
    assert client.post(f"/department/orders/{order.id}/refuse").status_code == 404
    assert order_of(order.id).state == "awaiting_approval"


def test_approving_twice_is_a_conflict(client, auth, team):
    order = place_department_order(client, auth, team)[0]
    login(client, auth, team.approver)
    assert client.post(f"/department/orders/{order.id}/approve").status_code == 303
    second = client.post(f"/department/orders/{order.id}/approve")
    assert second.status_code == 409 and "already been approved" in page_text(second)
    assert client.post(f"/department/orders/{order.id}/refuse", data={"note": "x"}).status_code == 409
    approvals = db.session.scalar(
        db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "department.approve"))
    assert approvals == 1


def test_approving_a_cancelled_order_is_a_conflict(client, auth, team):
    order = place_department_order(client, auth, team)[0]
    assert client.post(f"/orders/{order.id}/cancel", data={"reason": "Rapat batal"}).status_code == 303
    assert order_of(order.id).state == "cancelled"
    assert stock_of(team.coffee.id) == 10
    login(client, auth, team.approver)
    response = client.post(f"/department/orders/{order.id}/approve")
    assert response.status_code == 409 and "cannot be decided" in page_text(response)
    assert order_of(order.id).state == "cancelled"
    row = db.session.execute(db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order.id)).scalar_one()
    assert row.decision == "cancelled" and row.sp_number is None


def test_refusal_needs_a_reason_and_returns_stock(app, client, auth, team):
    orders = place_department_order(client, auth, team)
    assert stock_of(team.snack.id) == 38
    login(client, auth, team.approver)
    snack_order = next(o for o in orders if o.store_id == team.snack.store_id)
    no_reason = client.post(f"/department/orders/{snack_order.id}/refuse", data={"note": " "})
    assert no_reason.status_code == 422 and "reason" in page_text(no_reason)
    assert order_of(snack_order.id).state == "awaiting_approval"
    response = client.post(f"/department/orders/{snack_order.id}/refuse", data={"note": "Pagu tidak cukup"})
    assert response.status_code == 303
    assert order_of(snack_order.id).state == "refused"
    assert stock_of(team.snack.id) == 50
    assert any("Refused" in s for _t, s, body in outbox(app, to=team.purchaser.email))
    notes = db.session.execute(db.select(Notification).where(Notification.user_id == team.purchaser.id,
                                                             Notification.kind == "department_refused")).scalars().all()
    assert notes and notes[0].params["reason"] == "Pagu tidak cukup"


def test_order_over_the_cap_is_refused(client, auth, factories):
    team = make_team(factories, cap=300000)
    login(client, auth, team.purchaser)
    add(client, team.coffee.id, 2)
    add(client, team.snack.id, 12)  # 390.000
    response = client.post("/cart/checkout", data=details(**department_details()))
    assert response.status_code == 422
    text = page_text(response)
    assert "at most Rp\u00a0300.000 per order" in text and "Rp\u00a0390.000" in text
    assert not orders_of(team.purchaser.id)
    assert stock_of(team.snack.id) == 50


def test_non_purchaser_cannot_choose_department_purchase(client, auth, team, factories):
    buyer = factories.BuyerFactory(department=team.department)
    login(client, auth, buyer)
    add(client, team.coffee.id, 1)
    assert "Department purchase" not in page_text(client.get("/cart/checkout"))
    assert "Department purchases" not in page_text(client.get("/"))
    response = client.post("/cart/checkout", data=details(**department_details()))
    assert response.status_code == 422
    assert client.get("/department/approvals").status_code == 403


@pytest.mark.parametrize("field,value,message", [
    ("department-kode_rup", "12345", "6 to 12 digits"),
    ("department-kode_rup", "1234567890123", "6 to 12 digits"),
    ("department-kode_rup", "RUP-481234", "6 to 12 digits"),
    ("department-kode_rup", "", "6 to 12 digits"),
    ("department-kode_rekening", "5-1-02-01", "numbers separated by dots"),
    ("department-kode_rekening", "5.1", "numbers separated by dots"),
    ("department-kode_rekening", "5.1.02.xx.01", "numbers separated by dots"),
    ("department-kode_rekening", "", "numbers separated by dots"),
    ("department-purpose", "", "Describe the purpose"),
])
def test_budget_line_shape_is_checked(client, auth, team, field, value, message):
    login(client, auth, team.purchaser)
    add(client, team.coffee.id, 1)
    response = client.post("/cart/checkout", data=details(**department_details(**{field: value})))
    assert response.status_code == 422
    assert message in page_text(response)
    assert not orders_of(team.purchaser.id)


def test_good_budget_line_shapes_pass(client, auth, team):
    login(client, auth, team.purchaser)
    add(client, team.coffee.id, 1)
    for rup, rekening in (("123456", "5.1.02"), ("123456789012", "5.1.02.01.01.0024")):
        response = client.post("/cart/checkout", data=details(**department_details(**{
            "department-kode_rup": rup, "department-kode_rekening": rekening})))
        assert response.status_code == 303, page_text(response)


def test_documents_only_for_parties(client, auth, team, factories):
    order = place_department_order(client, auth, team)[0]
    # Before approval there is no Surat Pesanan, even for the purchaser.
    assert client.get(f"/department/orders/{order.id}/documents/sp.pdf").status_code == 404
    login(client, auth, team.approver)
    client.post(f"/department/orders/{order.id}/approve")
    url = f"/department/orders/{order.id}/documents/sp.pdf"
    for party in (team.purchaser, team.approver, team.coffee_seller, team.admin):
        login(client, auth, party)
        response = client.get(url)
        assert response.status_code == 200, party.full_name
        assert response.data.startswith(b"%PDF-") and order.number in pdf_text(response.data)
    colleague = factories.BuyerFactory(department=team.department)  # same department, no role
    other_seller = factories.store_owner(factories.StoreFactory(verified=True))
    for stranger in (colleague, other_seller, team.other_approver, team.snack_seller):
        login(client, auth, stranger)
        assert client.get(url).status_code == 404, stranger.full_name
        assert client.get(f"/department/orders/{order.id}").status_code == 404
    auth.logout()
    assert client.get(url).status_code in (302, 401)
    login(client, auth, team.purchaser)
    assert client.get(f"/department/orders/{order.id}/documents/bast.pdf").status_code == 404  # not delivered
    assert client.get(f"/department/orders/{order.id}/documents/other.pdf").status_code == 404


def test_bast_only_by_the_purchaser_after_delivery(client, auth, team):
    order = place_department_order(client, auth, team)[0]
    login(client, auth, team.approver)
    client.post(f"/department/orders/{order.id}/approve")
    login(client, auth, team.purchaser)
    early = client.post(f"/department/orders/{order.id}/bast")
    assert early.status_code == 409 and "once the store has delivered" in page_text(early)
    deliver(client, auth, team.coffee_seller, order.id)
    login(client, auth, team.approver)
    assert client.post(f"/department/orders/{order.id}/bast").status_code == 403
    login(client, auth, team.purchaser)
    assert client.post(f"/department/orders/{order.id}/bast").status_code == 303
    assert client.post(f"/department/orders/{order.id}/bast").status_code == 409
    login(client, auth, team.purchaser)
    assert client.post(f"/department/orders/{order.id}/payment",
                       data={"paid_on": "2026-01-01", "amount": "1", "reference": "x"}).status_code == 403


def test_delivered_department_order_is_not_auto_completed(app, client, auth, team):
    from datetime import timedelta

    from app import clock
    from app.services.orders import complete_delivered_orders

    order = place_department_order(client, auth, team)[0]
    login(client, auth, team.approver)
    client.post(f"/department/orders/{order.id}/approve")
    deliver(client, auth, team.coffee_seller, order.id)
    with app.test_request_context("/"):
        complete_delivered_orders(clock.now() + timedelta(days=10))
    assert order_of(order.id).state == "delivered"


def test_pdf_survives_names_outside_latin1_and_shows_wib(client, auth, factories):
    """DejaVu Sans prints every character as typed: nothing is folded to Latin-1 any more."""
    team = make_team(factories)
    team.coffee.name = "Kopi “Aroma” — 5 ½ kg ✓"
    team.coffee.store.name = "Kedai Ṣari – Kopi ☕"
    db.session.commit()
    order = place_department_order(client, auth, team, snack=1)[0]
    login(client, auth, team.approver)
    client.post(f"/department/orders/{order.id}/approve")
    response = client.get(f"/department/orders/{order.id}/documents/sp.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    assert "Kopi “Aroma” — 5 ½ kg ✓" in text and "Kedai Ṣari – Kopi ☕" in text and "WIB" in text
    assert "\ufffd" not in text and b"DejaVuSans" in response.data
    assert response.headers["Content-Type"] == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
