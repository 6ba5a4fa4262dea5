"""A department order accepted in part (the BAST and the invoice cover what was accepted),
and the PPK's rating of the store once the treasury paid it, shown to buyers and on the
mentor's desk with a flag below the threshold."""
import pytest

from app import clock
from app.extensions import db
from app.models import DepartmentPurchase, Notification, StoreRating
from app.services import procurement
from tests.pdf_helpers import pdf_text
from tests.after_order_helpers import deliver, fresh, place
from tests.department_helpers import make_team
from tests.helpers import page_text
from tests.order_helpers import use_english

BUDGET = {"kode_rup": "48123456", "kode_rekening": "5.1.02.01.01.0024", "purpose": "Rapat koordinasi"}


@pytest.fixture
def team(app, factories):
    with app.test_request_context("/"):
        team = make_team(factories)
        mentor = factories.MentorFactory(full_name="Ibu Mentor", locale="en")
        team.snack.store.mentor_id = mentor.id
        db.session.commit()
        order_id = place(team.purchaser, team.snack, 50, "department", BUDGET)
        procurement.approve_order(team.approver, order_id)
        deliver(team.snack_seller, order_id)
        team.order_id, team.mentor = order_id, mentor
        return team


def login(client, auth, user):
    auth.logout()
    use_english(client)
    auth.login(user.email)


def test_accepted_in_part_the_bast_and_the_invoice_cover_only_that(app, client, auth, team):
    order = fresh(team.order_id)
    item = order.items[0].id
    login(client, auth, team.purchaser)
    assert "Accepted" in page_text(client.get(f"/department/orders/{order.id}"))
    too_many = client.post(f"/department/orders/{order.id}/bast", data={f"accepted-{item}": "51"})
    assert too_many.status_code == 422 and "more of Snack Box Rapat than was delivered" in page_text(too_many)
    assert client.post(f"/department/orders/{order.id}/bast", data={f"accepted-{item}": "-1"}).status_code == 422
    assert fresh(order.id).state == "delivered" and fresh(order.id).items[0].accepted_quantity is None

    assert client.post(f"/department/orders/{order.id}/bast", data={f"accepted-{item}": "40"}).status_code == 303
    order = fresh(order.id)
    purchase = db.session.execute(db.select(DepartmentPurchase)).scalar_one()
    assert order.state == "invoiced" and order.items[0].accepted_quantity == 40
    assert purchase.invoice_amount == 40 * 25000 and order.total == 50 * 25000
    page = page_text(client.get(f"/department/orders/{order.id}"))
    assert "Accepted in part" in page
    bast = client.get(f"/department/orders/{order.id}/documents/bast.pdf")
    assert bast.status_code == 200 and "Diterima" in pdf_text(bast.data) and "Rp 1.000.000" in pdf_text(bast.data)
    invoice = pdf_text(client.get(f"/department/orders/{order.id}/documents/invoice.pdf").data)
    assert "Total yang diterima" in invoice and "Jumlah tagihan: " in invoice
    assert "Rp 1.000.000" in invoice and "Rp 1.250.000" not in invoice.split("Jumlah tagihan")[1][:40]

    login(client, auth, team.admin)
    paid_on = clock.today().isoformat()
    wrong = client.post(f"/department/orders/{order.id}/payment",
                        data={"paid_on": paid_on, "amount": "1250000", "reference": "SP2D-1"})
    assert wrong.status_code == 422
    assert client.post(f"/department/orders/{order.id}/payment",
                       data={"paid_on": paid_on, "amount": "1000000", "reference": "SP2D-1"}).status_code == 303
    assert fresh(order.id).state == "completed"


def pay(client, auth, team):
    order = fresh(team.order_id)
    login(client, auth, team.purchaser)
    client.post(f"/department/orders/{order.id}/bast")
    login(client, auth, team.admin)
    client.post(f"/department/orders/{order.id}/payment",
                data={"paid_on": clock.today().isoformat(), "amount": str(order.total), "reference": "SP2D-9"})
    assert fresh(order.id).payment_state == "paid"


RATING = {"quality": "2", "timeliness": "1", "quantity": "3", "service": "2", "note": "Terlambat dua jam"}


def test_rating_an_order_that_is_not_paid_is_refused(app, client, auth, team):
    login(client, auth, team.approver)
    response = client.post(f"/department/orders/{team.order_id}/rating", data=RATING)
    assert response.status_code == 409 and "once the treasury has paid" in page_text(response)
    assert db.session.execute(db.select(StoreRating)).scalars().all() == []


def test_the_ppk_rates_once_and_the_mentor_sees_the_flag(app, client, auth, team):
    pay(client, auth, team)
    login(client, auth, team.approver)
    assert "Rate the store" in page_text(client.get(f"/department/orders/{team.order_id}"))
    for bad in ({**RATING, "quality": "5"}, {**RATING, "service": "0"}, {k: v for k, v in RATING.items()
                                                                          if k != "timeliness"}):
        assert client.post(f"/department/orders/{team.order_id}/rating", data=bad).status_code == 422
    assert client.post(f"/department/orders/{team.order_id}/rating", data=RATING).status_code == 303
    rating = db.session.execute(db.select(StoreRating)).scalar_one()
    assert (rating.quality, rating.timeliness, rating.quantity, rating.service) == (2, 1, 3, 2)
    assert rating.rater_id == team.approver.id and rating.note == "Terlambat dua jam"
    # Twice: refused, by the approver and by the purchaser alike.
    again = client.post(f"/department/orders/{team.order_id}/rating", data=RATING)
    assert again.status_code == 409 and "already been rated" in page_text(again)
    login(client, auth, team.purchaser)
    assert client.post(f"/department/orders/{team.order_id}/rating", data=RATING).status_code == 409
    assert db.session.execute(db.select(db.func.count(StoreRating.id))).scalar_one() == 1
    # Strangers: 404.
    login(client, auth, team.other_approver)
    assert client.post(f"/department/orders/{team.order_id}/rating", data=RATING).status_code == 404

    # Shown to buyers (the product page) and on the mentor's desk, flagged below 2.5.
    login(client, auth, team.purchaser)
    assert "Rated by departments: 2.0 of 4 (1)" in page_text(client.get(f"/produk/{team.snack.slug}"))
    login(client, auth, team.mentor)
    desk = page_text(client.get("/mentor/"))
    assert "Low rating" in desk and "rated 2.0 of 4 (1)" in desk
    assert "Below the threshold" in page_text(client.get(f"/mentor/stores/{team.snack.store_id}"))
    assert db.session.execute(db.select(Notification).where(
        Notification.user_id == team.mentor.id, Notification.kind == "store_rating_low")).scalar_one()
    assert db.session.execute(db.select(Notification).where(
        Notification.user_id == team.snack_seller.id, Notification.kind == "store_rated")).scalar_one()


def test_a_good_rating_is_not_flagged(app, client, auth, team):
    pay(client, auth, team)
    login(client, auth, team.purchaser)
    assert client.post(f"/department/orders/{team.order_id}/rating",
                       data={"quality": "4", "timeliness": "4", "quantity": "3", "service": "4"}).status_code == 303
    login(client, auth, team.mentor)
    desk = page_text(client.get("/mentor/"))
    assert "Low rating" not in desk and "rated 3.8 of 4 (1)" in desk


def test_the_handover_waits_while_a_problem_report_is_open(app, client, auth, team):
    from app.services import problem_reports

    order = fresh(team.order_id)
    with app.test_request_context("/"):
        problem_reports.report_problem(team.purchaser, order.id, "short", "Kurang sepuluh kotak",
                                       {order.items[0].id: (40, 40)})
    login(client, auth, team.purchaser)
    page = page_text(client.get(f"/department/orders/{order.id}"))
    assert "A problem report on order" in page and "Confirm BAST" not in page
    response = client.post(f"/department/orders/{order.id}/bast")
    assert response.status_code == 409 and fresh(order.id).state == "delivered"
