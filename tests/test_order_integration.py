"""Where the card, department and order features meet: the buyer's "Pay now", the store
told of a card order only once it is paid, the department order's links, and the
seller's list keeping orders it may not start on apart."""
import pytest

from app.extensions import db
from app.models import Notification
from app.services.refunds import reconcile
from tests.conftest import outbox, serve
from tests.department_helpers import department_checkout, make_team
from tests.helpers import page_text
from tests.order_helpers import add, checkout, orders_of, use_english
from tests.stripe_helpers import card_config, deliver, localstripe  # noqa: F401 - the fixture
from tests.test_card_payments import pay, payment_of


@pytest.fixture
def app(tmp_path, pg_schema, localstripe):  # noqa: F811
    yield from serve(tmp_path, pg_schema, **card_config(localstripe))


@pytest.fixture
def team(factories):
    """A department (purchaser, approver) and two stores; the buyer also pays by card."""
    team = make_team(factories)
    team.card_buyer = factories.BuyerFactory(full_name="Siti Rahma", locale="en")
    # A second product of the coffee store, so one store has orders of every method.
    team.bottle = factories.ProductFactory(live=True, store=team.coffee.store, name="Cold Brew Botol",
                                           price=20000, stock=30)
    return team


def login(client, auth, user):
    auth.logout()
    auth.login(user.email)
    use_english(client)


def card_order(client, auth, buyer, product):
    login(client, auth, buyer)
    add(client, product.id, 1)
    response = checkout(client, payment_method="card")
    assert response.status_code == 303, page_text(response)
    checkout_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return orders_of(buyer.id)[-1], checkout_id


def pay_and_deliver_webhooks(client, localstripe, checkout_id, times=1):  # noqa: F811
    client.get(f"/pay/checkout/{checkout_id}")
    assert pay(client, checkout_id).status_code == 303
    events = localstripe.events_for(payment_of(checkout_id).intent_id)
    for _ in range(times):
        for event in events:
            assert deliver(client, event).status_code == 200


def new_order_mails(app, seller, number):
    return [m for m in outbox(app, to=seller.email) if f"New order {number}" in m[1]]


def order_received_notes(seller):
    db.session.expire_all()
    return db.session.execute(
        db.select(Notification).where(Notification.user_id == seller.id, Notification.kind == "order_received")
    ).scalars().all()


# ------------------------------------------------------------------ 1. Pay now


def test_pay_now_is_offered_to_the_owner_of_an_unpaid_card_order_only(app, client, auth, team, localstripe):  # noqa: F811
    order, checkout_id = card_order(client, auth, team.card_buyer, team.coffee)
    pay_link = f'href="/pay/checkout/{checkout_id}"'
    detail = page_text(client.get(f"/orders/{order.id}"))
    assert "Pay now" in detail and pay_link in detail and "waits for your card payment" in detail
    listing = page_text(client.get("/orders/"))
    assert "Pay now" in listing and pay_link in listing

    # Another buyer: not their order (404), nothing to pay in their list.
    login(client, auth, team.purchaser)
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert "Pay now" not in page_text(client.get("/orders/"))
    assert client.get(f"/pay/checkout/{checkout_id}").status_code == 404

    # Once paid, the button is gone.
    login(client, auth, team.card_buyer)
    pay_and_deliver_webhooks(client, localstripe, checkout_id)
    assert orders_of(team.card_buyer.id)[-1].state == "placed"
    assert "Pay now" not in page_text(client.get(f"/orders/{order.id}"))
    assert "Pay now" not in page_text(client.get("/orders/"))


def test_no_pay_now_for_pay_on_delivery_orders(client, auth, team):
    login(client, auth, team.card_buyer)
    add(client, team.coffee.id, 1)
    assert checkout(client, payment_method="cod").status_code == 303
    order = orders_of(team.card_buyer.id)[-1]
    assert order.state == "placed"
    assert "Pay now" not in page_text(client.get(f"/orders/{order.id}"))
    assert "Pay now" not in page_text(client.get("/orders/"))


# ------------------------------------------------------------------ 2. the store hears once paid


def test_store_hears_of_a_card_order_once_it_is_paid_once_only(app, client, auth, team, localstripe):  # noqa: F811
    seller = team.coffee_seller
    order, checkout_id = card_order(client, auth, team.card_buyer, team.coffee)
    # Unpaid: the buyer has the checkout e-mail, the store nothing yet.
    assert any(m[0] == team.card_buyer.email for m in outbox(app))
    assert new_order_mails(app, seller, order.number) == []
    assert order_received_notes(seller) == []

    # Stripe delivers the events three times over; reconciliation runs afterwards.
    pay_and_deliver_webhooks(client, localstripe, checkout_id, times=3)
    with app.test_request_context("/"):
        reconcile()
    mails = new_order_mails(app, seller, order.number)
    assert len(mails) == 1 and "Accept or decline it here" in mails[0][2]
    notes = order_received_notes(seller)
    assert len(notes) == 1 and notes[0].link == f"/sales/{order.id}"
    login(client, auth, seller)
    assert f"New order {order.number}" in page_text(client.get("/notifications/"))


def test_store_never_hears_of_a_card_order_that_expired_unpaid(app, client, auth, team, localstripe):  # noqa: F811
    from datetime import timedelta

    from app import clock
    from app.services.payments.card import expire_unpaid_card_orders

    order, checkout_id = card_order(client, auth, team.card_buyer, team.coffee)
    client.get(f"/pay/checkout/{checkout_id}")
    with app.test_request_context("/"):
        expire_unpaid_card_orders(clock.now() + timedelta(minutes=31))
    assert orders_of(team.card_buyer.id)[-1].state == "expired"
    assert new_order_mails(app, team.coffee_seller, order.number) == []
    assert order_received_notes(team.coffee_seller) == []


def test_pay_on_delivery_order_still_tells_the_store_at_once(app, client, auth, team):
    login(client, auth, team.card_buyer)
    add(client, team.coffee.id, 1)
    assert checkout(client, payment_method="cod").status_code == 303
    order = orders_of(team.card_buyer.id)[-1]
    assert len(new_order_mails(app, team.coffee_seller, order.number)) == 1
    assert len(order_received_notes(team.coffee_seller)) == 1


# ------------------------------------------------------------------ 3. department links, seller's list


def test_buyer_order_detail_links_a_department_order_to_its_purchase_page(client, auth, team):
    login(client, auth, team.purchaser)
    add(client, team.coffee.id, 1)
    assert department_checkout(client).status_code == 303
    order = orders_of(team.purchaser.id)[-1]
    detail = page_text(client.get(f"/orders/{order.id}"))
    assert f'href="/department/orders/{order.id}"' in detail and "Pay now" not in detail
    purchase = page_text(client.get(f"/department/orders/{order.id}"))
    assert f'href="/orders/{order.id}"' in purchase  # and back

    login(client, auth, team.card_buyer)
    add(client, team.coffee.id, 1)
    checkout(client, payment_method="cod")
    cod = orders_of(team.card_buyer.id)[-1]
    assert "/department/orders/" not in page_text(client.get(f"/orders/{cod.id}"))


def test_seller_list_keeps_orders_it_may_not_start_on_apart(app, client, auth, team, localstripe):  # noqa: F811
    seller = team.coffee_seller
    login(client, auth, team.purchaser)
    add(client, team.coffee.id, 1)
    assert department_checkout(client).status_code == 303
    department_order = orders_of(team.purchaser.id)[-1]
    card, _checkout_id = card_order(client, auth, team.card_buyer, team.bottle)
    login(client, auth, team.card_buyer)
    add(client, team.coffee.id, 1)
    checkout(client, payment_method="cod")
    cod = orders_of(team.card_buyer.id)[-1]
    assert (department_order.state, card.state, cod.state) == ("awaiting_approval", "awaiting_payment", "placed")

    login(client, auth, seller)
    everything = page_text(client.get("/sales/"))
    assert cod.number in everything and f'action="/sales/{cod.id}/accept"' in everything
    assert department_order.number not in everything and card.number not in everything
    assert "Not confirmed yet" in everything
    assert "Waiting for payment" in everything and "Waiting for the department's approval" in everything

    waiting = page_text(client.get("/sales/?state=awaiting_approval"))
    assert department_order.number in waiting and "/accept" not in waiting
    assert "wait for the approval of the department" in waiting
    unpaid = page_text(client.get("/sales/?state=awaiting_payment"))
    assert card.number in unpaid and "/accept" not in unpaid and "not paid these card orders yet" in unpaid
    detail = page_text(client.get(f"/sales/{card.id}"))
    assert "Do not prepare it" in detail and "Accept order" not in detail
    # Nor can the seller act on it by posting.
    assert client.post(f"/sales/{department_order.id}/accept").status_code == 409

    # Approved: now it is the store's to accept, in the main list.
    login(client, auth, team.approver)
    assert client.post(f"/department/orders/{department_order.id}/approve").status_code == 303
    login(client, auth, seller)
    everything = page_text(client.get("/sales/"))
    assert department_order.number in everything and f'action="/sales/{department_order.id}/accept"' in everything
    assert "Waiting for the department's approval" not in everything
    detail = page_text(client.get(f"/sales/{department_order.id}"))
    assert f'href="/department/orders/{department_order.id}"' in detail
    assert f'href="/sales/{department_order.id}"' in page_text(client.get(f"/department/orders/{department_order.id}"))


def test_seller_pages_in_indonesian_show_labels_not_state_codes(client, auth, team, localstripe):  # noqa: F811
    card, _checkout_id = card_order(client, auth, team.card_buyer, team.bottle)
    auth.logout()
    auth.login(team.coffee_seller.email)
    client.post("/language", data={"lang": "id", "next": "/"})
    for url in ("/sales/", "/sales/?state=awaiting_payment", f"/sales/{card.id}"):
        text = page_text(client.get(url))
        assert ">awaiting_payment<" not in text and "None" not in text
