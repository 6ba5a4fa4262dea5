"""Card orders after placing, against the Stripe stand-in: an order the store leaves
unanswered is refunded in full; a problem report's rejected part is refunded through
Stripe, never more than was paid for it; the ledger stays balanced."""
import re
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import Order, Refund
from app.services import ledger, order_answer
from tests.conftest import serve
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import add, checkout, orders_of, stock_of, use_english
from tests.stripe_helpers import card_config, deliver, localstripe  # noqa: F401 - the fixture


@pytest.fixture
def app(tmp_path, pg_schema, localstripe):  # noqa: F811
    yield from serve(tmp_path, pg_schema, **card_config(localstripe))


@pytest.fixture
def shop(factories):
    buyer = factories.BuyerFactory(full_name="Budi Santoso")
    drink = factories.ProductFactory(live=True, name="Lidah Buaya Botol", price=15000, stock=20, unit="botol")
    return buyer, drink, store_owner(drink.store)


def paid_order(client, auth, localstripe, buyer, product, quantity):  # noqa: F811
    use_english(client)
    auth.login(buyer.email)
    add(client, product.id, quantity)
    response = checkout(client, payment_method="card")
    checkout_id = int(re.search(r"/pay/checkout/(\d+)$", response.headers["Location"]).group(1))
    client.get(response.headers["Location"])
    assert client.post(f"/pay/checkout/{checkout_id}/test-card", data={
        "number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}).status_code == 303
    from app.models import CardPayment

    db.session.expire_all()
    payment = db.session.execute(db.select(CardPayment).where(CardPayment.checkout_attempt_id == checkout_id)
                                 ).scalar_one()
    for event in localstripe.events_for(payment.intent_id):
        assert deliver(client, event).status_code == 200
    (order,) = orders_of(buyer.id)
    assert order.state == "placed" and order.payment_state == "paid"
    auth.logout()
    return order, payment


def test_an_unanswered_paid_order_is_refunded_in_full(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, drink, _seller = shop
    order, payment = paid_order(client, auth, localstripe, buyer, drink, 3)
    assert stock_of(drink.id) == 17
    clock.travel(timedelta(days=6))  # past one working day, whatever today is
    with app.test_request_context("/"):
        assert order_answer.enforce_answer_deadlines()["expired"] == 1
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.state == "expired" and order.payment_state == "refunded"
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.amount == 45000 and refund.status == "succeeded"
    assert stock_of(drink.id) == 20
    charge = localstripe.get(f"/v1/payment_intents/{payment.intent_id}")["latest_charge"]
    assert charge["amount_refunded"] == 4500000
    assert ledger.balance(drink.store_id) == 0 and ledger.check_books().balanced


def test_two_damaged_bottles_of_six_are_refunded_by_card(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, drink, seller = shop
    order, payment = paid_order(client, auth, localstripe, buyer, drink, 6)
    item_id = order.items[0].id
    auth.login(seller.email)
    for step in ("accept", "ready", "delivered"):
        assert client.post(f"/sales/{order.id}/{step}").status_code == 303
    auth.logout()
    auth.login(buyer.email)
    assert client.post(f"/orders/{order.id}/problem", data={
        "reason": "damaged", "statement": "Dua botol pecah", f"received-{item_id}": "6",
        f"accepted-{item_id}": "4"}).status_code == 303
    auth.logout()
    auth.login(seller.email)
    from app.models import ProblemReport

    report_id = db.session.execute(db.select(ProblemReport.id)).scalar_one()
    too_much = client.post(f"/sales/reports/{report_id}/answer", data={"answer": "refund", "amount": "45000"})
    assert too_much.status_code == 422 and "At most Rp\u00a030.000" in page_text(too_much)
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 0
    assert client.post(f"/sales/reports/{report_id}/answer",
                       data={"answer": "refund", "amount": "30000"}).status_code == 303
    db.session.expire_all()
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.amount == 30000 and refund.status == "succeeded" and refund.order_id == order.id
    order = db.session.get(Order, order.id)
    assert order.payment_state == "partially_refunded" and order.items[0].accepted_quantity == 4
    assert ledger.balance(drink.store_id) == 60000
    charge = localstripe.get(f"/v1/payment_intents/{payment.intent_id}")["latest_charge"]
    assert charge["amount_refunded"] == 3000000
    assert ledger.check_books().balanced
    result = app.test_cli_runner().invoke(args=["payments", "check"])
    assert result.exit_code == 0, result.output
