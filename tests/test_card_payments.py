"""Card payments against the Stripe stand-in (localstripe on 127.0.0.1), with webhook
deliveries signed by the tests: paying, declines, refunds, duplicate and out-of-order
events, reconciliation, expiry, and the ledger's books."""
import re
from datetime import timedelta
from unittest import mock

import pytest

from app import clock
from app.extensions import db
from app.models import CardPayment, LedgerEntry, Order, Refund, StripeEvent
from app.services import ledger
from tests.conftest import make_app, serve
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import add, checkout, details, orders_of, stock_of, use_english
from tests.stripe_helpers import (  # noqa: F401 - the fixture
    card_config,
    deliver,
    localstripe,
    make_event,
    signature,
)


@pytest.fixture
def app(tmp_path, pg_schema, localstripe):  # noqa: F811
    yield from serve(tmp_path, pg_schema, **card_config(localstripe))


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def shop(factories):
    buyer = factories.BuyerFactory(full_name="Budi Santoso")
    admin = factories.AdminFactory()
    coffee = factories.ProductFactory(live=True, name="Kopi Aming Bubuk", price=45000, stock=10)
    scarf = factories.ProductFactory(live=True, name="Syal Corak Insang", price=250000, stock=3)
    return buyer, admin, coffee, scarf


def place_card_checkout(client, auth, shop):
    buyer, _admin, coffee, scarf = shop
    auth.login(buyer.email)
    add(client, coffee.id, 2)
    add(client, scarf.id, 1)
    response = checkout(client, payment_method="card")
    assert response.status_code == 303, page_text(response)
    location = response.headers["Location"]
    assert re.search(r"/pay/checkout/\d+$", location)
    return location, int(location.rsplit("/", 1)[1])


def pay(client, checkout_id, number="4242 4242 4242 4242"):
    return client.post(f"/pay/checkout/{checkout_id}/test-card",
                       data={"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"})


def payment_of(checkout_id):
    db.session.expire_all()
    return db.session.execute(
        db.select(CardPayment).where(CardPayment.checkout_attempt_id == checkout_id)).scalar_one()


def deliver_all(client, localstripe, intent_id):  # noqa: F811
    for event in localstripe.events_for(intent_id):
        assert deliver(client, event).status_code == 200


def paid_checkout(client, auth, shop, localstripe):  # noqa: F811
    """Place, pay and deliver the stand-in's events: both orders paid."""
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    assert pay(client, checkout_id).status_code == 303
    payment = payment_of(checkout_id)
    deliver_all(client, localstripe, payment.intent_id)
    return checkout_id, payment_of(checkout_id)


def entries(**where):
    db.session.expire_all()
    query = db.select(LedgerEntry).order_by(LedgerEntry.id)
    for key, value in where.items():
        query = query.where(getattr(LedgerEntry, key) == value)
    return db.session.execute(query).scalars().all()


# ------------------------------------------------------------------ paying


def test_two_store_cart_paid_by_card(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, _admin, coffee, scarf = shop
    location, checkout_id = place_card_checkout(client, auth, shop)
    orders = orders_of(buyer.id)
    assert [o.state for o in orders] == ["awaiting_payment", "awaiting_payment"]
    assert stock_of(coffee.id) == 8 and stock_of(scarf.id) == 2  # held while waiting

    page = client.get(location)
    text = page_text(page)
    assert page.status_code == 200 and "Rp\u00a0340.000" in text and "4242 4242 4242 4242" in text
    payment = payment_of(checkout_id)
    intent = localstripe.get(f"/v1/payment_intents/{payment.intent_id}")
    assert intent["amount"] == 34000000 and intent["currency"] == "idr"  # ×100 at the boundary only
    assert set(intent["metadata"]["orders"].split(",")) == {o.number for o in orders}
    client.get(location)  # a reload makes no second intent
    assert payment_of(checkout_id).intent_id == payment.intent_id

    response = pay(client, checkout_id)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/pay/checkout/{checkout_id}/result")
    # The browser's return marks nothing paid: it shows Stripe's state and waits for the webhook.
    result = client.get(response.headers["Location"])
    assert "waiting for its confirmation" in page_text(result)
    assert all(o.state == "awaiting_payment" and o.payment_state == "due" for o in orders_of(buyer.id))

    deliver_all(client, localstripe, payment.intent_id)
    orders = orders_of(buyer.id)
    assert [(o.state, o.payment_state) for o in orders] == [("placed", "paid"), ("placed", "paid")]
    assert "Payment confirmed" in page_text(client.get(response.headers["Location"]))
    assert payment_of(checkout_id).amount_captured == 340000
    assert ledger.balance(coffee.store_id) == 90000 and ledger.balance(scarf.store_id) == 250000
    assert ledger.check_books().balanced

    # Each store sees its paid order and its balance.
    auth.logout()
    auth.login(store_owner(coffee.store).email)
    coffee_order = next(o for o in orders if o.store_id == coffee.store_id)
    assert client.get(f"/sales/{coffee_order.id}").status_code == 200
    balance = page_text(client.get("/finance/balance"))
    assert "Rp\u00a090.000" in balance and coffee_order.number in balance and "Rp\u00a0250.000" not in balance


def test_declined_card_leaves_orders_waiting_with_a_message(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, _admin, coffee, _scarf = shop
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    response = pay(client, checkout_id, "4000 0000 0000 0002")
    assert response.status_code == 422
    assert "Your card was declined" in page_text(response)
    assert all(o.state == "awaiting_payment" and o.payment_state == "due" for o in orders_of(buyer.id))
    assert stock_of(coffee.id) == 8
    assert entries() == []
    # Another card goes through on the same intent.
    assert pay(client, checkout_id).status_code == 303
    deliver_all(client, localstripe, payment_of(checkout_id).intent_id)
    assert all(o.payment_state == "paid" for o in orders_of(buyer.id))


def test_charge_failing_at_the_bank_keeps_orders_waiting(app, client, auth, shop, localstripe):  # noqa: F811
    buyer = shop[0]
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    response = pay(client, checkout_id, "4000 0000 0000 0341")  # attaches, then the charge fails
    assert response.status_code == 422 and "declined" in page_text(response)
    events = localstripe.events_for(payment_of(checkout_id).intent_id)
    assert [e["type"] for e in events] == ["payment_intent.payment_failed"]
    deliver_all(client, localstripe, payment_of(checkout_id).intent_id)
    assert all(o.state == "awaiting_payment" and o.payment_state == "due" for o in orders_of(buyer.id))
    assert payment_of(checkout_id).status == "requires_payment_method"
    assert "Not paid yet" in page_text(client.get(f"/pay/checkout/{checkout_id}/result"))
    assert entries() == []


@pytest.mark.parametrize("number, message", [
    ("1234", "16 digits"), ("4242424242424242x", "16 digits"),
])
def test_bad_card_input_is_refused(client, auth, shop, localstripe, number, message):  # noqa: F811
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    response = pay(client, checkout_id, number)
    assert response.status_code == 422 and message in page_text(response)
    response = client.post(f"/pay/checkout/{checkout_id}/test-card",
                           data={"number": "4242424242424242", "exp_month": "13", "exp_year": "2030", "cvc": "123"})
    assert response.status_code == 422


def test_other_buyers_payment_page_is_404(client, auth, shop, factories, localstripe):  # noqa: F811
    location, checkout_id = place_card_checkout(client, auth, shop)
    auth.logout()
    other = factories.BuyerFactory()
    auth.login(other.email)
    assert client.get(location).status_code == 404
    assert pay(client, checkout_id).status_code == 404
    assert client.get(f"/pay/checkout/{checkout_id}/result").status_code == 404


# ------------------------------------------------------------------ webhook


def test_webhook_refuses_bad_signature_stale_timestamp_and_missing_header(app, client, auth, shop, localstripe):  # noqa: F811
    buyer = shop[0]
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    pay(client, checkout_id)
    event = localstripe.events_for(payment_of(checkout_id).intent_id, "payment_intent.succeeded")[0]
    import json

    payload = json.dumps(event)
    bad = client.post("/webhooks/stripe", data=payload, content_type="application/json",
                      headers={"Stripe-Signature": signature(payload, secret="whsec_wrong")})
    stale = deliver(client, event, timestamp=int(clock.now().timestamp()) - 3600)
    missing = client.post("/webhooks/stripe", data=payload, content_type="application/json")
    tampered = client.post("/webhooks/stripe", data=payload.replace("succeeded", "succeeded "),
                           content_type="application/json", headers={"Stripe-Signature": signature(payload)})
    for response in (bad, stale, missing, tampered):
        assert response.status_code == 400
    assert db.session.execute(db.select(db.func.count(StripeEvent.id))).scalar_one() == 0
    assert all(o.state == "awaiting_payment" for o in orders_of(buyer.id))
    assert entries() == []


def test_the_same_event_five_times_is_processed_once(app, client, auth, shop, localstripe):  # noqa: F811
    buyer = shop[0]
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    pay(client, checkout_id)
    event = localstripe.events_for(payment_of(checkout_id).intent_id, "payment_intent.succeeded")[0]
    outcomes = [deliver(client, event).get_json()["outcome"] for _ in range(5)]
    assert outcomes == ["processed"] + ["duplicate"] * 4
    assert db.session.execute(db.select(db.func.count(StripeEvent.id))).scalar_one() == 1
    assert len(entries(reason="order_paid")) == 2
    orders = orders_of(buyer.id)
    assert all(o.state == "placed" for o in orders)
    assert all(len([e for e in o.events if e.action == "payment_confirmed"]) == 1 for o in orders)


def test_other_event_types_are_acknowledged_and_ignored(client, localstripe):  # noqa: F811
    response = deliver(client, make_event("customer.created", {"id": "cus_123", "object": "customer"}))
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_a_signed_event_for_an_unknown_refund_is_acknowledged_not_retried(app_ctx, client, localstripe):  # noqa: F811
    """A 503 would have Stripe deliver it again for three days; no retry can make the refund exist."""
    event = make_event("refund.updated", {"id": "re_nobody_made_this", "object": "refund"})
    response = deliver(client, event)
    assert response.status_code == 200 and response.get_json()["outcome"] == "unknown"
    stored = db.session.execute(db.select(StripeEvent)).scalar_one()
    assert stored.event_id == event["id"] and stored.processed_at is not None
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 0
    assert deliver(client, event).get_json()["outcome"] == "duplicate"


def test_an_unreachable_stripe_asks_for_the_event_again(app_ctx, client, localstripe):  # noqa: F811
    from app.services import stripe_gateway

    event = make_event("refund.updated", {"id": "re_123", "object": "refund"})
    with mock.patch.object(stripe_gateway, "retrieve_refund",
                           side_effect=stripe_gateway.StripeError("connection refused")):
        response = deliver(client, event)
    assert response.status_code == 503
    assert db.session.execute(db.select(db.func.count(StripeEvent.id))).scalar_one() == 0


def test_refund_reported_before_payment_succeeded_is_applied_in_order(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, _admin, coffee, scarf = shop
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    pay(client, checkout_id)
    payment = payment_of(checkout_id)
    coffee_order = next(o for o in orders_of(buyer.id) if o.store_id == coffee.store_id)
    # A refund made in Stripe's dashboard for the coffee order, reported before the payment.
    localstripe.post("/v1/refunds", {"payment_intent": payment.intent_id, "amount": 4500000,
                                     "metadata": {"order_id": str(coffee_order.id)}})
    intent = localstripe.get(f"/v1/payment_intents/{payment.intent_id}")
    charge = localstripe.get(f"/v1/charges/{intent['latest_charge']['id']}")
    assert deliver(client, make_event("charge.refunded", charge)).status_code == 200

    orders = {o.store_id: o for o in orders_of(buyer.id)}
    assert orders[coffee.store_id].payment_state == "partially_refunded" and orders[coffee.store_id].state == "placed"
    assert orders[scarf.store_id].payment_state == "paid"
    reasons = [(e.reason, e.kind, e.amount) for e in entries(store_id=coffee.store_id)]
    assert reasons == [("order_paid", "credit", 90000), ("refund", "debit", 45000)]  # credit first, then debit
    # The late payment_intent.succeeded changes nothing.
    deliver_all(client, localstripe, payment.intent_id)
    assert len(entries()) == 3
    assert ledger.balance(coffee.store_id) == 45000
    assert ledger.check_books().balanced


def test_reconcile_repairs_a_dropped_webhook(app, client, auth, shop, runner, localstripe):  # noqa: F811
    buyer = shop[0]
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    pay(client, checkout_id)
    # No webhook arrives.
    assert all(o.state == "awaiting_payment" for o in orders_of(buyer.id))
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output and "paid" in result.output
    assert all(o.state == "placed" and o.payment_state == "paid" for o in orders_of(buyer.id))
    again = runner.invoke(args=["payments", "reconcile"])
    assert "0 change(s)" in again.output
    check = runner.invoke(args=["payments", "check"])
    assert check.exit_code == 0 and "Books balanced" in check.output


# ------------------------------------------------------------------ refunds


def test_partial_and_full_refund(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, admin, coffee, scarf = shop
    checkout_id, payment = paid_checkout(client, auth, shop, localstripe)
    orders = {o.store_id: o for o in orders_of(buyer.id)}
    scarf_order = orders[scarf.store_id]
    auth.logout()
    auth.login(admin.email)
    url = f"/finance/orders/{scarf_order.id}/refund"
    assert "Rp\u00a0250.000" in page_text(client.get(url))

    response = client.post(url, data={"amount": "100000", "reason": "Warna tidak sesuai"})
    assert response.status_code == 303
    db.session.expire_all()
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.status == "succeeded" and refund.amount == 100000 and refund.stripe_refund_id
    assert db.session.get(Order, scarf_order.id).payment_state == "partially_refunded"
    assert ledger.balance(scarf.store_id) == 150000

    # More than what is left is refused, and nothing changes (the stand-in would accept it).
    response = client.post(url, data={"amount": "150001", "reason": "Lagi"})
    assert response.status_code == 422 and "At most Rp\u00a0150.000" in page_text(response)
    for bad in ("0", "-5", "abc", "1,5"):
        assert client.post(url, data={"amount": bad, "reason": "x"}).status_code == 422
    assert client.post(url, data={"amount": "1000", "reason": " "}).status_code == 422
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 1

    response = client.post(url, data={"amount": "150000", "reason": "Dikembalikan semua"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, scarf_order.id).payment_state == "refunded"
    assert ledger.balance(scarf.store_id) == 0
    charge = localstripe.get(f"/v1/payment_intents/{payment.intent_id}")["latest_charge"]
    assert charge["amount_refunded"] == 25000000
    assert client.post(url, data={"amount": "1", "reason": "x"}).status_code in (409, 422)
    assert ledger.check_books().balanced


def test_declining_a_paid_order_refunds_it(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, _admin, coffee, _scarf = shop
    _checkout_id, payment = paid_checkout(client, auth, shop, localstripe)
    coffee_order = next(o for o in orders_of(buyer.id) if o.store_id == coffee.store_id)
    auth.logout()
    auth.login(store_owner(coffee.store).email)
    response = client.post(f"/sales/{coffee_order.id}/decline", data={"reason": "Stok habis"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    order = db.session.get(Order, coffee_order.id)
    assert order.state == "declined" and order.payment_state == "refunded"
    refund = db.session.execute(db.select(Refund).where(Refund.order_id == order.id)).scalar_one()
    assert refund.amount == 90000 and refund.status == "succeeded"
    assert ledger.balance(coffee.store_id) == 0
    assert stock_of(coffee.id) == 10
    assert ledger.check_books().balanced


def test_buyer_cancelling_a_paid_order_refunds_it(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, _admin, _coffee, scarf = shop
    paid_checkout(client, auth, shop, localstripe)
    scarf_order = next(o for o in orders_of(buyer.id) if o.store_id == scarf.store_id)
    response = client.post(f"/orders/{scarf_order.id}/cancel", data={"reason": "Salah pesan"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Order, scarf_order.id).payment_state == "refunded"
    assert ledger.balance(scarf.store_id) == 0


def test_refund_call_failure_leaves_it_pending_and_reconcile_sends_it(app, client, auth, shop, runner, localstripe):  # noqa: F811
    from app.services import stripe_gateway

    buyer, admin, _coffee, scarf = shop
    _checkout_id, payment = paid_checkout(client, auth, shop, localstripe)
    scarf_order = next(o for o in orders_of(buyer.id) if o.store_id == scarf.store_id)
    auth.logout()
    auth.login(admin.email)
    with mock.patch.object(stripe_gateway, "create_refund",
                           side_effect=stripe_gateway.stripe.APIConnectionError("network down")):
        response = client.post(f"/finance/orders/{scarf_order.id}/refund", data={"amount": "50000", "reason": "x"})
    assert response.status_code == 303
    db.session.expire_all()
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.status == "pending" and db.session.get(Order, scarf_order.id).payment_state == "paid"
    # The pending amount is reserved: no second refund beyond what is left.
    assert client.post(f"/finance/orders/{scarf_order.id}/refund",
                       data={"amount": "200001", "reason": "x"}).status_code == 422
    result = runner.invoke(args=["payments", "reconcile"])
    assert "refund" in result.output
    db.session.expire_all()
    assert db.session.execute(db.select(Refund)).scalar_one().status == "succeeded"
    assert ledger.balance(scarf.store_id) == 200000
    assert ledger.check_books().balanced


# ------------------------------------------------------------------ the exact calls (what the stand-in lacks)


def test_intent_and_refund_calls_carry_amount_x100_and_idempotency_keys(app, client, auth, shop):
    from app.services import stripe_gateway

    buyer = shop[0]
    location, checkout_id = place_card_checkout(client, auth, shop)
    fake = mock.MagicMock()
    fake.v1.payment_intents.create.return_value = {"id": "pi_fake123", "status": "requires_payment_method",
                                                   "client_secret": "pi_fake123_secret_x"}
    fake.v1.payment_intents.retrieve.return_value = {"id": "pi_fake123", "status": "requires_payment_method"}
    with mock.patch.object(stripe_gateway, "client", return_value=fake):
        assert client.get(location).status_code == 200
        assert client.get(location).status_code == 200  # reload
    payment = payment_of(checkout_id)
    assert fake.v1.payment_intents.create.call_count == 1
    kwargs = fake.v1.payment_intents.create.call_args.kwargs
    assert kwargs["params"]["amount"] == 340000 * 100 and kwargs["params"]["currency"] == "idr"
    assert kwargs["options"] == {"idempotency_key": payment.idempotency_key}
    assert payment.idempotency_key.startswith(f"pkb-checkout-{checkout_id}-")
    assert kwargs["params"]["metadata"]["checkout_id"] == str(checkout_id)
    assert {o.number for o in orders_of(buyer.id)} == set(kwargs["params"]["metadata"]["orders"].split(","))

    fake.v1.refunds.list.return_value = mock.MagicMock(data=[])
    fake.v1.refunds.create.return_value = {"id": "re_fake1", "status": "pending", "amount": 4500000,
                                           "metadata": {}}
    with mock.patch.object(stripe_gateway, "client", return_value=fake):
        stripe_gateway.create_refund(intent_id="pi_fake123", amount=45000, metadata={"order_id": 1},
                                     idempotency_key="pkb-refund-1-abc")
        stripe_gateway.cancel_payment_intent("pi_fake123", "pkb-checkout-x-cancel")
    kwargs = fake.v1.refunds.create.call_args.kwargs
    assert kwargs["params"] == {"payment_intent": "pi_fake123", "amount": 4500000, "metadata": {"order_id": "1"}}
    assert kwargs["options"] == {"idempotency_key": "pkb-refund-1-abc"}
    assert fake.v1.payment_intents.cancel.call_args.kwargs["options"] == {"idempotency_key": "pkb-checkout-x-cancel"}


# ------------------------------------------------------------------ expiry


def test_unpaid_card_orders_expire_after_30_minutes(app, client, auth, shop, localstripe):  # noqa: F811
    from app.services.payments.card import expire_unpaid_card_orders

    buyer, _admin, coffee, scarf = shop
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    assert expire_unpaid_card_orders(clock.now() + timedelta(minutes=29)) == []
    with app.test_request_context("/"):
        changes = expire_unpaid_card_orders(clock.now() + timedelta(minutes=31))
    assert any("expired" in c for c in changes)
    assert all(o.state == "expired" and o.payment_state == "none" for o in orders_of(buyer.id))
    assert stock_of(coffee.id) == 10 and stock_of(scarf.id) == 3
    intent_id = payment_of(checkout_id).intent_id
    assert localstripe.get(f"/v1/payment_intents/{intent_id}")["status"] == "canceled"
    # Paying afterwards is impossible, and the page says so.
    assert pay(client, checkout_id).status_code in (303, 409)
    assert "closed" in page_text(client.get(f"/pay/checkout/{checkout_id}/result"))
    assert entries() == []


def test_paid_just_before_expiry_is_applied_not_expired(app, client, auth, shop, localstripe):  # noqa: F811
    from app.services.payments.card import expire_unpaid_card_orders

    buyer = shop[0]
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    pay(client, checkout_id)  # paid, but the webhook is late
    with app.test_request_context("/"):
        expire_unpaid_card_orders(clock.now() + timedelta(minutes=31))
    assert all(o.state == "placed" and o.payment_state == "paid" for o in orders_of(buyer.id))


def test_payment_arriving_after_an_order_was_cancelled_is_refunded(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, _admin, coffee, scarf = shop
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    coffee_order = next(o for o in orders_of(buyer.id) if o.store_id == coffee.store_id)
    # The buyer cancels one order while the intent for both is open; the page asks only for the rest.
    assert client.post(f"/orders/{coffee_order.id}/cancel", data={"reason": "Tidak jadi"}).status_code in (302, 303)
    assert "Rp\u00a0250.000" in page_text(client.get(location))
    intent = localstripe.get(f"/v1/payment_intents/{payment_of(checkout_id).intent_id}")
    assert int(intent["amount"]) == 25000000
    pay(client, checkout_id)
    deliver_all(client, localstripe, payment_of(checkout_id).intent_id)
    orders = {o.store_id: o for o in orders_of(buyer.id)}
    assert orders[coffee.store_id].state == "cancelled" and orders[coffee.store_id].payment_state == "none"
    assert orders[scarf.store_id].payment_state == "paid"
    assert ledger.balance(coffee.store_id) == 0 and ledger.balance(scarf.store_id) == 250000
    assert ledger.check_books().balanced


# ------------------------------------------------------------------ ledger and payouts


def test_ledger_invariant_with_fee_refund_and_payout(tmp_path, pg_schema, localstripe):  # noqa: F811
    """10% fee: the books balance after payment, refund and payout, and a tampered
    ledger is caught by ``flask payments check``."""
    app = make_app(tmp_path, pg_schema, **card_config(localstripe, PLATFORM_FEE_PERCENT=10))
    from tests import factories

    client = app.test_client()
    with app.app_context():
        from tests.conftest import AuthActions

        auth = AuthActions(client)
        use_english(client)
        shop = (factories.BuyerFactory(), factories.AdminFactory(),
                factories.ProductFactory(live=True, price=45000, stock=10),
                factories.ProductFactory(live=True, price=250000, stock=3))
        buyer, admin, coffee, scarf = shop
        paid_checkout(client, auth, shop, localstripe)
        assert ledger.balance(coffee.store_id) == 81000  # 90.000 − 10%
        assert ledger.platform_fees() == 34000
        scarf_order = next(o for o in orders_of(buyer.id) if o.store_id == scarf.store_id)
        auth.logout()
        auth.login(admin.email)
        client.post(f"/finance/orders/{scarf_order.id}/refund", data={"amount": "33333", "reason": "Sebagian"})
        fee_back = ledger.fee_for(33333, 10)
        assert ledger.balance(scarf.store_id) == 225000 - 33333 + fee_back
        today = clock.today()
        response = client.post("/finance/payouts", data={"period_start": (today - timedelta(days=7)).isoformat(),
                                                         "period_end": today.isoformat()})
        assert response.status_code == 303
        batch_url = response.headers["Location"]
        csv_text = client.get(batch_url + "/transfers.csv").get_data(as_text=True)
        assert csv_text.splitlines()[0] == "bank,account,holder,amount,reference"
        assert "81000" in csv_text
        from app.models import Payout

        for payout in db.session.execute(db.select(Payout)).scalars():
            client.post(f"/finance/payouts/record/{payout.id}", data={"transfer_reference": f"TRX-{payout.id}"})
        assert ledger.balance(coffee.store_id) == 0 and ledger.balance(scarf.store_id) == 0
        report = ledger.check_books()
        assert report.balanced, report.problems
        assert report.captured - report.refunded == report.payouts + report.fees
        result = app.test_cli_runner().invoke(args=["payments", "check"])
        assert result.exit_code == 0 and "Books balanced" in result.output

        db.session.add(LedgerEntry(entry_key="tampered", store_id=coffee.store_id, kind="credit",
                                   reason="adjustment", amount=5000))
        db.session.commit()
        assert not ledger.check_books().balanced
        result = app.test_cli_runner().invoke(args=["payments", "check"])
        assert result.exit_code == 1 and "PROBLEM" in result.output
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def test_payout_batch_and_seller_sees_payout(app, client, auth, shop, localstripe):  # noqa: F811
    buyer, admin, coffee, scarf = shop
    paid_checkout(client, auth, shop, localstripe)
    auth.logout()
    auth.login(admin.email)
    today = clock.today()
    period = {"period_start": (today - timedelta(days=30)).isoformat(), "period_end": today.isoformat()}
    backwards = {"period_start": today.isoformat(), "period_end": (today - timedelta(days=1)).isoformat()}
    assert client.post("/finance/payouts", data=backwards).status_code == 422
    assert client.post("/finance/payouts", data={"period_start": "x", "period_end": ""}).status_code == 422
    response = client.post("/finance/payouts", data=period)
    assert response.status_code == 303
    # A second batch for the same period pays nothing twice.
    assert client.post("/finance/payouts", data=period).status_code == 409
    batch = client.get(response.headers["Location"])
    text = page_text(batch)
    assert coffee.store.name in text and "Rp\u00a090.000" in text and "Rp\u00a0250.000" in text
    from app.models import Payout

    payout = db.session.execute(db.select(Payout).where(Payout.store_id == coffee.store_id)).scalar_one()
    assert client.post(f"/finance/payouts/record/{payout.id}", data={"transfer_reference": " "}).status_code == 422
    assert client.post(f"/finance/payouts/record/{payout.id}",
                       data={"transfer_reference": "BKB-2026-7781"}).status_code == 303
    assert client.post(f"/finance/payouts/record/{payout.id}",
                       data={"transfer_reference": "again", "batch_id": payout.batch_id}).status_code == 409
    assert ledger.balance(coffee.store_id) == 0
    auth.logout()
    auth.login(store_owner(coffee.store).email)
    text = page_text(client.get("/finance/balance"))
    assert "BKB-2026-7781" in text and payout.reference in text
    assert ledger.check_books().balanced


def test_finance_pages_are_for_their_roles(client, auth, shop, factories, localstripe):  # noqa: F811
    buyer, admin, coffee, _scarf = shop
    auth.login(buyer.email)
    for url in ("/finance/", "/finance/payouts", "/finance/balance", "/finance/payouts/1"):
        assert client.get(url).status_code == 403
    auth.logout()
    auth.login(store_owner(coffee.store).email)
    assert client.get("/finance/payouts").status_code == 403
    assert client.post("/finance/orders/1/refund", data={"amount": "1", "reason": "x"}).status_code == 403
    assert client.get("/finance/balance").status_code == 200
    auth.logout()
    auth.login(admin.email)
    assert client.get("/finance/").status_code == 200
    assert client.get("/finance/payouts/999").status_code == 404
    assert client.get("/finance/orders/999/refund").status_code == 404


def test_without_a_secret_key_card_is_not_offered(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema)
    assert app.config["STRIPE_SECRET_KEY"] is None
    client = app.test_client()
    with app.app_context():
        from tests import factories
        from tests.conftest import AuthActions

        buyer = factories.BuyerFactory()
        product = factories.ProductFactory(live=True)
        use_english(client)
        AuthActions(client).login(buyer.email)
        add(client, product.id, 1)
        page = page_text(client.get("/cart/checkout"))
        assert "Pay on delivery" in page and "Card (Visa" not in page
        response = client.post("/cart/checkout", data=details(payment_method="card"))
        assert response.status_code == 422 and "Choose a payment method" in page_text(response)
        assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0
        assert client.post("/webhooks/stripe", data="{}", headers={"Stripe-Signature": "t=1,v1=x"}).status_code == 400
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def test_payment_element_page_allows_stripe_js_on_that_page_only(tmp_path, pg_schema, localstripe):  # noqa: F811
    """With Stripe itself (publishable key, no stand-in) the page loads Stripe.js, and
    only that page's Content-Security-Policy allows https://js.stripe.com."""
    from app.services import stripe_gateway
    from tests import factories
    from tests.conftest import AuthActions

    app = make_app(tmp_path, pg_schema, **card_config(localstripe, STRIPE_API_BASE=None,
                                                      STRIPE_PUBLISHABLE_KEY="pk_test_pkb"))
    client = app.test_client()
    with app.app_context():
        shop = (factories.BuyerFactory(), factories.AdminFactory(),
                factories.ProductFactory(live=True, price=45000, stock=10),
                factories.ProductFactory(live=True, price=250000, stock=3))
        use_english(client)
        location, checkout_id = place_card_checkout(client, AuthActions(client), shop)
        fake = mock.MagicMock()
        fake.v1.payment_intents.create.return_value = {"id": "pi_el1", "status": "requires_payment_method",
                                                       "client_secret": "pi_el1_secret_abc"}
        with mock.patch.object(stripe_gateway, "client", return_value=fake):
            page = client.get(location)
        text = page_text(page)
        assert page.status_code == 200
        assert 'src="https://js.stripe.com/v3/"' in text and "stripe-payment.js" in text
        assert 'data-client-secret="pi_el1_secret_abc"' in text and "4242 4242" not in text
        assert "https://js.stripe.com" in page.headers["Content-Security-Policy"]
        assert "js.stripe.com" not in client.get("/orders/").headers["Content-Security-Policy"]
        # The test-card form does not exist when talking to Stripe itself.
        assert pay(client, checkout_id).status_code == 404
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def test_money_for_an_order_closed_in_a_race_is_paid_then_refunded(app, client, auth, shop, localstripe):  # noqa: F811
    """The intent succeeded for both orders, but one was closed at that very moment
    (before the webhook): its share is credited and refunded at once, never lost."""
    buyer, _admin, coffee, scarf = shop
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    pay(client, checkout_id)
    coffee_order = next(o for o in orders_of(buyer.id) if o.store_id == coffee.store_id)
    coffee_order.state, coffee_order.payment_state = "cancelled", "none"
    db.session.commit()
    deliver_all(client, localstripe, payment_of(checkout_id).intent_id)
    db.session.expire_all()
    orders = {o.store_id: o for o in orders_of(buyer.id)}
    assert orders[coffee.store_id].state == "cancelled" and orders[coffee.store_id].payment_state == "refunded"
    assert orders[scarf.store_id].state == "placed" and orders[scarf.store_id].payment_state == "paid"
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.amount == 90000 and refund.status == "succeeded"
    charge = localstripe.get(f"/v1/payment_intents/{payment_of(checkout_id).intent_id}")["latest_charge"]
    assert charge["amount_refunded"] == 9000000
    assert ledger.balance(coffee.store_id) == 0 and ledger.balance(scarf.store_id) == 250000
    assert ledger.check_books().balanced


@pytest.mark.postgres
def test_the_same_event_delivered_concurrently_is_processed_once(app, client, auth, shop, localstripe, pg_schema):  # noqa: F811
    """Eight deliveries of one event at the same moment, each on its own connection
    (PostgreSQL): one applies it, the others find it taken; money is credited once."""
    import threading

    if pg_schema is None:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    from app.models import OrderEvent
    from app.services.stripe_events import process_event

    buyer_id = shop[0].id
    location, checkout_id = place_card_checkout(client, auth, shop)
    client.get(location)
    pay(client, checkout_id)
    event = localstripe.events_for(payment_of(checkout_id).intent_id, "payment_intent.succeeded")[0]
    db.session.remove()
    barrier = threading.Barrier(8)
    outcomes, errors = [], []

    def deliver_once():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                outcomes.append(process_event(event))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver_once) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["duplicate"] * 7 + ["processed"]
    assert db.session.execute(db.select(db.func.count(StripeEvent.id))).scalar_one() == 1
    assert len(entries(reason="order_paid")) == 2
    confirmed = db.session.execute(
        db.select(db.func.count(OrderEvent.id)).where(OrderEvent.action == "payment_confirmed")).scalar_one()
    assert confirmed == 2
    assert all(o.state == "placed" and o.payment_state == "paid" for o in orders_of(buyer_id))
    assert ledger.check_books().balanced


@pytest.mark.postgres
def test_concurrent_refunds_never_exceed_what_was_paid(app, client, auth, shop, localstripe, pg_schema):  # noqa: F811
    """Two admins refund Rp 150.000 of a Rp 250.000 order at the same moment (PostgreSQL):
    the order row lock lets one through; the other is told what is left."""
    import threading

    if pg_schema is None:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    from app.models import User
    from app.services import Invalid
    from app.services.refunds import refund_order

    buyer, admin, _coffee, scarf = shop
    paid_checkout(client, auth, shop, localstripe)
    order_id = next(o for o in orders_of(buyer.id) if o.store_id == scarf.store_id).id
    admin_id, store_id = admin.id, scarf.store_id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def refund_once():
        with app.test_request_context("/"):
            try:
                actor = db.session.get(User, admin_id)
                barrier.wait(timeout=10)
                refund_order(actor, order_id, 150000, "Bersamaan")
                outcomes.append("refunded")
            except Invalid:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refund_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refunded", "refused"]
    rows = db.session.execute(db.select(Refund)).scalars().all()
    assert [r.amount for r in rows] == [150000]
    assert sum(r.amount for r in rows) <= 250000
    assert ledger.balance(store_id) in (250000, 100000)  # 100.000 once Stripe confirms
