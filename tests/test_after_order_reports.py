"""Inspection at delivery: the buyer reports a problem (lines, quantities, reason, photos),
the store replaces, refunds the rejected part or disputes, an admin decides a dispute;
every bad input and every stranger is refused with nothing half-written."""
import io

import pytest

from app.extensions import db
from app.models import AuditEntry, Notification, OrderEvent, ProblemReport, ProblemReportPhoto
from app.services import Conflict
from app.services import orders as order_service
from app.services import problem_reports
from tests.after_order_helpers import deliver, fresh, place, png_bytes
from tests.helpers import page_text
from tests.order_helpers import use_english


@pytest.fixture
def shop(app, factories):
    with app.test_request_context("/"):
        buyer = factories.BuyerFactory(full_name="Budi Santoso", locale="en")
        other = factories.BuyerFactory(full_name="Sri Wahyuni")
        admin = factories.AdminFactory(locale="en")
        drink = factories.ProductFactory(live=True, name="Lidah Buaya Botol", price=15000, stock=20, unit="botol")
        seller = factories.store_owner(drink.store)
        other_product = factories.ProductFactory(live=True, name="Amplang", price=20000, stock=5)
        other_seller = factories.store_owner(other_product.store)
        order_id = place(buyer, drink, 6)
        deliver(seller, order_id)
        db.session.commit()
        return {"buyer": buyer, "other": other, "admin": admin, "seller": seller, "other_seller": other_seller,
                "drink": drink, "order_id": order_id, "item_id": fresh(order_id).items[0].id}


def login(client, auth, user):
    auth.logout()
    use_english(client)
    auth.login(user.email)


def report(client, shop, received=6, accepted=4, reason="damaged", statement="Dua botol pecah", photos=1):
    item = shop["item_id"]
    data = {"reason": reason, "statement": statement, f"received-{item}": str(received),
            f"accepted-{item}": str(accepted)}
    if photos:
        data["photos"] = [(io.BytesIO(png_bytes()), f"pecah{i}.png") for i in range(photos)]
    return client.post(f"/orders/{shop['order_id']}/problem", data=data, content_type="multipart/form-data")


def reports():
    db.session.expire_all()
    return db.session.execute(db.select(ProblemReport)).scalars().all()


def test_report_refund_on_delivery_reduces_the_amount_due(app, client, auth, shop):
    login(client, auth, shop["buyer"])
    page = page_text(client.get(f"/orders/{shop['order_id']}"))
    assert "Report a problem" in page
    response = report(client, shop)
    assert response.status_code == 303, page_text(response)
    (row,) = reports()
    assert row.state == "open" and row.refund_amount == 30000 and len(row.photos) == 1
    assert row.lines[0].received_quantity == 6 and row.lines[0].accepted_quantity == 4
    # The photo is the buyer's and the store's to see, nobody else's.
    photo = row.photos[0]
    url = f"/orders/reports/{row.id}/photos/{photo.id}/thumb.webp"
    assert client.get(url).status_code == 200
    # Confirming waits while it is open; the clock does not complete it either.
    assert client.post(f"/orders/{shop['order_id']}/confirm").status_code == 409
    login(client, auth, shop["other"])
    assert client.get(url).status_code == 404
    login(client, auth, shop["other_seller"])
    assert client.get(url).status_code == 404

    login(client, auth, shop["seller"])
    page = page_text(client.get(f"/sales/{shop['order_id']}"))
    assert "Dua botol pecah" in page and "Refund the rejected part" in page
    assert client.get(url).status_code == 200
    # Above what was paid for the rejected bottles: refused, nothing changes.
    bad = client.post(f"/sales/reports/{row.id}/answer", data={"answer": "refund", "amount": "30001"})
    assert bad.status_code == 422 and "At most Rp\u00a030.000" in page_text(bad)
    for amount in ("0", "-1", "abc"):
        assert client.post(f"/sales/reports/{row.id}/answer",
                           data={"answer": "refund", "amount": amount}).status_code == 422
    assert reports()[0].state == "open"
    ok = client.post(f"/sales/reports/{row.id}/answer", data={"answer": "refund", "amount": "30000",
                                                              "statement": "Maaf, kami ganti uangnya"})
    assert ok.status_code == 303
    order = fresh(shop["order_id"])
    assert reports()[0].state == "refunded" and order.items[0].accepted_quantity == 4
    # Pay on delivery: the amount due is the total less the rejected bottles.
    assert "Rp\u00a060.000" in page_text(client.get(f"/sales/{shop['order_id']}"))
    assert client.post(f"/sales/{shop['order_id']}/payment",
                       data={"kind": "cash", "amount": "90000"}).status_code == 422
    assert client.post(f"/sales/{shop['order_id']}/payment",
                       data={"kind": "cash", "amount": "60000"}).status_code == 303
    actions = [e.action for e in db.session.execute(db.select(OrderEvent).where(
        OrderEvent.order_id == shop["order_id"]).order_by(OrderEvent.id)).scalars()]
    assert "problem_reported" in actions and "problem_refund" in actions
    audit = {a.action for a in db.session.execute(db.select(AuditEntry)).scalars()}
    assert {"problem.report", "problem.refund"} <= audit
    kinds = {(n.user_id, n.kind) for n in db.session.execute(db.select(Notification)).scalars()}
    assert (shop["seller"].id, "problem_reported") in kinds and (shop["buyer"].id, "problem_answered") in kinds

    login(client, auth, shop["buyer"])
    assert client.post(f"/orders/{shop['order_id']}/confirm").status_code == 303
    assert fresh(shop["order_id"]).state == "completed"


@pytest.mark.parametrize("received, accepted, reason, statement, message", [
    (6, 7, "damaged", "x", "cannot accept more than was delivered"),
    (7, 4, "damaged", "x", "more received"),
    (-1, 0, "damaged", "x", "whole number"),
    (6, 4, "stolen", "x", "Choose what the problem is"),
    (6, 4, "damaged", "", "Describe the problem"),
    (6, 6, "damaged", "all fine", "Say which lines"),
])
def test_bad_reports_are_refused_and_nothing_is_written(app, client, auth, shop, received, accepted, reason,
                                                        statement, message):
    login(client, auth, shop["buyer"])
    response = report(client, shop, received, accepted, reason, statement, photos=0)
    assert response.status_code in (400, 422) and message in page_text(response)
    assert reports() == []
    assert db.session.execute(db.select(db.func.count(ProblemReportPhoto.id))).scalar_one() == 0


def test_a_picture_that_is_not_one_is_refused(app, client, auth, shop):
    login(client, auth, shop["buyer"])
    item = shop["item_id"]
    response = client.post(f"/orders/{shop['order_id']}/problem", content_type="multipart/form-data", data={
        "reason": "damaged", "statement": "pecah", f"received-{item}": "6", f"accepted-{item}": "4",
        "photos": [(io.BytesIO(b"%PDF-1.4 not a picture"), "pecah.png")]})
    assert response.status_code == 422 and reports() == []


def test_someone_elses_order_and_report_are_404(app, client, auth, shop):
    login(client, auth, shop["other"])
    assert report(client, shop, photos=0).status_code == 404
    login(client, auth, shop["buyer"])
    assert report(client, shop, photos=0).status_code == 303
    report_id = reports()[0].id
    login(client, auth, shop["other_seller"])
    assert client.post(f"/sales/reports/{report_id}/answer", data={"answer": "replace"}).status_code == 404
    login(client, auth, shop["other"])
    assert client.post(f"/sales/reports/{report_id}/answer", data={"answer": "replace"}).status_code == 403
    assert client.get("/admin/disputes/").status_code == 403
    assert client.post(f"/admin/disputes/{report_id}/decide",
                       data={"decision": "uphold", "note": "x"}).status_code == 403
    assert reports()[0].state == "open"


def test_a_second_report_while_one_is_open_is_refused(app, client, auth, shop):
    login(client, auth, shop["buyer"])
    assert report(client, shop, photos=0).status_code == 303
    assert report(client, shop, photos=0).status_code == 409
    assert len(reports()) == 1


def test_replace_sends_the_order_back_and_it_is_delivered_again(app, client, auth, shop):
    login(client, auth, shop["buyer"])
    report(client, shop, photos=0)
    login(client, auth, shop["seller"])
    assert client.post(f"/sales/reports/{reports()[0].id}/answer", data={"answer": "replace"}).status_code == 303
    assert fresh(shop["order_id"]).state == "ready"
    assert client.post(f"/sales/{shop['order_id']}/delivered").status_code == 303
    assert fresh(shop["order_id"]).state == "delivered"
    assert fresh(shop["order_id"]).items[0].accepted_quantity is None


def disputes_tile(client):
    """The text of the admin home's Disputes tile: its label and how many wait."""
    import re

    html = client.get("/admin/").get_data(as_text=True)
    tile = re.search(r'<a class="card[^>]*href="/admin/disputes/">(.*?)</a>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", tile).split())


def test_dispute_goes_to_the_admins_who_decide(app, client, auth, shop):
    login(client, auth, shop["buyer"])
    report(client, shop)
    report_id = reports()[0].id
    login(client, auth, shop["seller"])
    # A dispute needs the store's statement.
    assert client.post(f"/sales/reports/{report_id}/answer", data={"answer": "dispute"}).status_code == 422
    response = client.post(f"/sales/reports/{report_id}/answer", content_type="multipart/form-data", data={
        "answer": "dispute", "statement": "Botol utuh saat diserahkan",
        "photos": [(io.BytesIO(png_bytes((20, 120, 20))), "utuh.png")]})
    assert response.status_code == 303
    assert reports()[0].state == "disputed"
    login(client, auth, shop["admin"])
    assert disputes_tile(client) == "Disputes 1"
    desk = page_text(client.get("/admin/disputes/"))
    assert "Dua botol pecah" in desk and "Botol utuh saat diserahkan" in desk and desk.count("photos/") >= 2
    decide = f"/admin/disputes/{report_id}/decide"
    assert client.post(decide, data={"decision": "uphold", "note": ""}).status_code == 422
    assert client.post(decide, data={"decision": "maybe", "note": "x"}).status_code == 422
    assert client.post(f"/admin/disputes/{report_id}/decide",
                       data={"decision": "uphold", "note": "Foto menunjukkan botol pecah"}).status_code == 303
    row = reports()[0]
    assert row.state == "upheld" and row.refund_amount == 30000 and row.decided_by_id == shop["admin"].id
    assert disputes_tile(client) == "Disputes 0"
    assert fresh(shop["order_id"]).items[0].accepted_quantity == 4
    # Decided once: a second decision is a conflict.
    assert client.post(f"/admin/disputes/{report_id}/decide",
                       data={"decision": "dismiss", "note": "x"}).status_code == 409
    kinds = {(n.user_id, n.kind) for n in db.session.execute(db.select(Notification)).scalars()}
    assert (shop["buyer"].id, "problem_decided") in kinds and (shop["seller"].id, "problem_decided") in kinds


def test_two_answers_at_once_cannot_both_succeed(app, shop):
    """The second answer read the report while it was open; the guarded UPDATE refuses it."""
    with app.test_request_context("/"):
        report_obj = problem_reports.report_problem(
            shop["buyer"], shop["order_id"], "damaged", "pecah", {shop["item_id"]: (6, 4)})
        report_id = report_obj.id
        db.session.expire_all()
        stale = db.session.get(ProblemReport, report_id)
        assert stale.state == "open"
        # Someone else's answer lands between our read and our write (another connection).
        with db.engine.begin() as conn:
            conn.execute(db.update(ProblemReport).where(ProblemReport.id == report_id).values(state="disputed"))
        with pytest.raises(Conflict):
            problem_reports.answer_report(shop["seller"], report_id, "refund", "", 30000)
        db.session.expire_all()
        assert db.session.get(ProblemReport, report_id).state == "disputed"
        assert fresh(shop["order_id"]).items[0].accepted_quantity is None


def test_auto_complete_waits_for_an_open_report(app, shop):
    from datetime import timedelta

    from app import clock

    with app.test_request_context("/"):
        problem_reports.report_problem(shop["buyer"], shop["order_id"], "short", "kurang", {shop["item_id"]: (5, 5)})
        clock.travel(timedelta(days=5))
        assert order_service.complete_delivered_orders() == 0
        assert fresh(shop["order_id"]).state == "delivered"
