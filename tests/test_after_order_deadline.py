"""The store must answer: a placed order not accepted or declined within its working days
expires by itself (stock back, buyer told), the store is reminded before, the seller's list
shows the time left. Counted across a weekend and a holiday with the clock moved."""
from datetime import datetime, timedelta

import pytest

from app import clock
from app.clock import LOCAL_TZ
from app.extensions import db
from app.models import AuditEntry, Notification, Order, OrderEvent, PublicHoliday
from app.services import cart as cart_service
from app.services import checkout as checkout_service
from app.services import order_answer, procurement
from app.services import orders as order_service
from tests.conftest import outbox
from tests.department_helpers import make_team
from tests.helpers import page_text
from tests.order_helpers import stock_of, use_english


@pytest.fixture
def req(app_ctx):
    with app_ctx.test_request_context("/"):
        yield app_ctx


def travel_to(local):
    clock.travel(local.replace(tzinfo=LOCAL_TZ) - clock.now())


def place(buyer, product, quantity=2, method="cod", data=None, key="k"):
    cart_service.add_item(buyer, product.id, quantity)
    details = checkout_service.Details(
        "office", "Bappeda, ruang rapat", clock.today() + timedelta(days=4), "10-12", method,
        payment_data=data or {})
    return checkout_service.place_orders(buyer, key * 32, details).orders[0].id


def state(order_id):
    db.session.expire_all()
    return db.session.get(Order, order_id).state


def test_personal_order_expires_after_one_working_day_across_a_weekend(app, req, factories):
    buyer = factories.BuyerFactory(locale="en")
    product = factories.ProductFactory(live=True, name="Lidah Buaya Segar", price=12000, stock=10)
    seller = factories.store_owner(product.store)
    seller.locale = "en"
    db.session.commit()
    travel_to(datetime(2027, 1, 8, 10, 0))  # a Friday
    order_id = place(buyer, product)
    assert stock_of(product.id) == 8
    order = db.session.get(Order, order_id)
    # One working day: Monday the 11th; it expires when Tuesday begins (WIB).
    assert order.answer_due_at == datetime(2027, 1, 12, 0, 0, tzinfo=LOCAL_TZ)

    travel_to(datetime(2027, 1, 10, 23, 0))  # Sunday: nothing yet, not even the reminder
    assert order_answer.enforce_answer_deadlines() == {"reminded": 0, "expired": 0}
    travel_to(datetime(2027, 1, 11, 12, 30))  # Monday noon: 12 hours left, the store is reminded, once
    assert order_answer.enforce_answer_deadlines() == {"reminded": 1, "expired": 0}
    assert order_answer.enforce_answer_deadlines() == {"reminded": 0, "expired": 0}
    reminders = db.session.execute(db.select(Notification).where(
        Notification.user_id == seller.id, Notification.kind == "order_answer_reminder")).scalars().all()
    assert len(reminders) == 1
    assert any("Answer order" in subject for _t, subject, _b in outbox(app, to=seller.email))

    travel_to(datetime(2027, 1, 11, 23, 59))
    assert order_answer.enforce_answer_deadlines()["expired"] == 0
    assert state(order_id) == "placed"
    travel_to(datetime(2027, 1, 12, 0, 1))
    assert order_answer.enforce_answer_deadlines()["expired"] == 1
    assert state(order_id) == "expired"
    assert stock_of(product.id) == 10
    event = db.session.execute(db.select(OrderEvent).where(OrderEvent.order_id == order_id,
                                                           OrderEvent.action == "answer_timeout")).scalar_one()
    assert event.actor_id is None and "1 hari kerja" in event.note  # the job writes in the default language
    assert db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "order.answer_timeout")).scalar_one()
    told = db.session.execute(db.select(Notification).where(
        Notification.user_id == buyer.id, Notification.kind == "order_answer_timeout")).scalar_one()
    assert told.params["number"] == db.session.get(Order, order_id).number
    assert any("Cancelled" in s or "Expired" in s for _t, s, _b in outbox(app, to=buyer.email))
    # Running again changes nothing; the store can no longer accept it.
    assert order_answer.enforce_answer_deadlines() == {"reminded": 0, "expired": 0}
    from app.services import Conflict
    with pytest.raises(Conflict):
        order_service.accept_order(seller, order_id)
    assert stock_of(product.id) == 10


def test_an_answered_order_never_expires(req, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True, price=12000, stock=10)
    seller = factories.store_owner(product.store)
    travel_to(datetime(2027, 1, 4, 9, 0))  # Monday
    order_id = place(buyer, product)
    order_service.accept_order(seller, order_id)
    travel_to(datetime(2027, 1, 20, 9, 0))
    assert order_answer.enforce_answer_deadlines() == {"reminded": 0, "expired": 0}
    assert state(order_id) == "accepted"


def test_department_order_has_three_working_days_after_approval_and_a_holiday(app, req, factories):
    team = make_team(factories)
    db.session.add(PublicHoliday(day=datetime(2027, 1, 11).date(), name="Libur uji"))
    db.session.commit()
    travel_to(datetime(2027, 1, 7, 15, 0))  # Thursday
    order_id = place(team.purchaser, team.snack, 10, "department", {
        "kode_rup": "48123456", "kode_rekening": "5.1.02.01.01.0024", "purpose": "Rapat koordinasi"})
    travel_to(datetime(2027, 1, 8, 9, 0))  # approved on Friday
    procurement.approve_order(team.approver, order_id)
    order = db.session.get(Order, order_id)
    # Working days after Friday: Tue 12, Wed 13, Thu 14 (Monday the 11th is a holiday).
    assert order.answer_due_at == datetime(2027, 1, 15, 0, 0, tzinfo=LOCAL_TZ)
    travel_to(datetime(2027, 1, 14, 20, 0))
    assert order_answer.enforce_answer_deadlines() == {"reminded": 1, "expired": 0}
    travel_to(datetime(2027, 1, 15, 0, 10))
    assert order_answer.enforce_answer_deadlines()["expired"] == 1
    assert state(order_id) == "expired"
    assert stock_of(team.snack.id) == 50
    assert any("did not answer in time" in n.params.get("store", "") or n.kind == "order_answer_timeout"
               for n in db.session.execute(db.select(Notification).where(
                   Notification.user_id == team.purchaser.id)).scalars())


def test_the_sellers_list_shows_the_time_left(app, client, auth, factories):
    with app.test_request_context("/"):
        buyer = factories.BuyerFactory()
        product = factories.ProductFactory(live=True, name="Kopi Aming Sachet", price=25000, stock=10)
        seller = factories.store_owner(product.store)
        email = seller.email
        travel_to(datetime(2027, 1, 8, 10, 0))  # Friday
        order_id = place(buyer, product)
    use_english(client)
    auth.login(email)
    text = page_text(client.get("/sales/?state=placed"))
    assert "Answer by" in text and "Jan 12, 2027" in text
    assert "Answer by" in page_text(client.get(f"/sales/{order_id}"))


def test_the_deadline_and_quote_jobs_are_registered_and_run_as_the_scheduler_runs_them(app, factories):
    from app import jobs
    from app.jobs.runner import job_context

    registered = {p.name: p for p in jobs.periodic_jobs()}
    assert registered["orders-answer-deadline"].every == timedelta(minutes=15)
    assert registered["orders-answer-deadline"].path == "app.services.order_answer:enforce_answer_deadlines"
    assert registered["quotes-expire"].path == "app.services.quotes:expire_quotes"
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True, price=12000, stock=10)
    with app.test_request_context("/"):
        order_id = place(buyer, product)
    clock.travel(timedelta(days=5))
    with job_context(app):
        assert jobs.resolve(registered["orders-answer-deadline"].path)() == {"reminded": 0, "expired": 1}
    with job_context(app):
        assert jobs.resolve(registered["quotes-expire"].path)() == 0
    assert state(order_id) == "expired"
