"""The order lifecycle: transitions by the right party, 409 for the rest (nothing
changed), stock returned on cancel and decline, payment at delivery, auto-complete,
other people's orders 404, messages, pages."""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import AuditEntry, Order, OrderEvent, OrderMessage
from tests.conftest import outbox
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import add, checkout, orders_of, stock_of, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def placed(client, auth, factories):
    """A buyer with a placed pay-on-delivery order of 3 × Rp 45.000; returns (buyer, seller, order, product)."""
    buyer = factories.BuyerFactory(full_name="Ayu Pratiwi")
    product = factories.ProductFactory(live=True, name="Kopi Aming Bubuk", price=45000, stock=10)
    seller = store_owner(product.store)
    auth.login(buyer.email)
    add(client, product.id, 3)
    assert checkout(client).status_code == 303
    auth.logout()
    order = orders_of(buyer.id)[0]
    return buyer, seller, order, product


def _post(client, url, **data):
    return client.post(url, data=data)


def test_full_lifecycle_with_payment_at_delivery(app, client, auth, placed):
    buyer, seller, order, product = placed
    auth.login(seller.email)
    page = page_text(client.get("/sales/"))
    assert order.number in page
    detail = page_text(client.get(f"/sales/{order.id}"))
    assert "Accept order" in detail and "Decline order" in detail and "ruang rapat" in detail
    assert _post(client, f"/sales/{order.id}/accept").status_code == 303
    assert _post(client, f"/sales/{order.id}/ready").status_code == 303
    # payment can be recorded once ready; the amount must equal the total
    bad = _post(client, f"/sales/{order.id}/payment", kind="cash", amount="100000")
    assert bad.status_code == 422 and "must equal the order total" in page_text(bad)
    assert _post(client, f"/sales/{order.id}/delivered").status_code == 303
    assert _post(client, f"/sales/{order.id}/payment", kind="transfer", amount="135.000",
                 reference="BKB-7781").status_code == 303
    again = _post(client, f"/sales/{order.id}/payment", kind="cash", amount="135000")
    assert again.status_code == 409
    packing = client.get(f"/sales/{order.id}/packing")
    assert packing.status_code == 200 and "Kopi Aming Bubuk" in page_text(packing)
    auth.logout()
    auth.login(buyer.email)
    assert "Confirm receipt" in page_text(client.get(f"/orders/{order.id}"))
    assert _post(client, f"/orders/{order.id}/confirm").status_code == 303
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.state == "completed" and order.payment_state == "paid"
    assert order.payment_kind == "transfer" and order.payment_amount == 135000
    assert [e.action for e in order.events] == ["place", "accept", "mark_ready", "mark_delivered",
                                                "payment_recorded", "confirm_receipt"]
    assert all(order.__getattribute__(f)
               for f in ("placed_at", "accepted_at", "ready_at", "delivered_at", "completed_at"))
    actions = db.session.execute(db.select(AuditEntry.action).where(AuditEntry.object_type == "order",
                                                                     AuditEntry.object_id == order.id)).scalars().all()
    assert {"order.accept", "order.mark_ready", "order.mark_delivered", "order.payment_recorded",
            "order.confirm_receipt"} <= set(actions)
    timeline = page_text(client.get(f"/orders/{order.id}"))
    assert "Accepted by the store" in timeline and "Receipt confirmed by the buyer" in timeline
    # the payment in words, not the stored codes ("transfer 135000 BKB-7781")
    assert "Bank transfer · Rp\u00a0135.000 · BKB-7781" in timeline and "transfer 135000" not in timeline
    receipt = client.get(f"/orders/{order.id}/receipt")
    assert receipt.status_code == 200 and order.number in page_text(receipt) and "Rp\u00a0135.000" in page_text(receipt)
    # the buyer was told of each store action: placed + accepted + ready + delivered + paid
    assert len(outbox(app, to=buyer.email)) == 5
    # the store: the new order + the buyer's confirmation
    assert len(outbox(app, to=seller.email)) == 2


def test_decline_returns_stock_and_needs_a_reason(app, client, auth, placed):
    buyer, seller, order, product = placed
    assert stock_of(product.id) == 7
    auth.login(seller.email)
    response = _post(client, f"/sales/{order.id}/decline", reason="  ")
    assert response.status_code == 422 and stock_of(product.id) == 7
    response = _post(client, f"/sales/{order.id}/decline", reason="Stok kopi habis terbakar")
    assert response.status_code == 303
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.state == "declined" and order.decline_reason == "Stok kopi habis terbakar"
    assert stock_of(product.id) == 10
    assert "Stok kopi habis terbakar" in outbox(app, to=buyer.email)[-1][2]


def test_buyer_cancels_before_acceptance_and_stock_returns(client, auth, placed):
    buyer, seller, order, product = placed
    auth.login(buyer.email)
    assert _post(client, f"/orders/{order.id}/cancel", reason="Rapat ditunda").status_code == 303
    assert stock_of(product.id) == 10
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "cancelled"
    # cancelling twice is a conflict and returns nothing twice
    response = _post(client, f"/orders/{order.id}/cancel")
    assert response.status_code == 409 and stock_of(product.id) == 10


def test_buyer_cannot_cancel_after_acceptance(client, auth, placed):
    buyer, seller, order, product = placed
    auth.login(seller.email)
    _post(client, f"/sales/{order.id}/accept")
    auth.logout()
    auth.login(buyer.email)
    response = _post(client, f"/orders/{order.id}/cancel")
    assert response.status_code == 409 and "cannot be changed" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "accepted" and stock_of(product.id) == 7


@pytest.mark.parametrize("url", ["ready", "delivered"])
def test_transition_out_of_order_is_409_and_changes_nothing(client, auth, placed, url):
    buyer, seller, order, product = placed
    auth.login(seller.email)
    events = db.session.execute(db.select(db.func.count(OrderEvent.id))).scalar_one()
    response = _post(client, f"/sales/{order.id}/{url}")
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "placed"
    assert db.session.execute(db.select(db.func.count(OrderEvent.id))).scalar_one() == events


def test_buyer_cannot_confirm_an_undelivered_order(client, auth, placed):
    buyer, _seller, order, _product = placed
    auth.login(buyer.email)
    assert _post(client, f"/orders/{order.id}/confirm").status_code == 409
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "placed"


def test_another_buyers_order_is_404(client, auth, placed, factories):
    _buyer, _seller, order, _product = placed
    other = factories.BuyerFactory()
    auth.login(other.email)
    for url in (f"/orders/{order.id}", f"/orders/{order.id}/receipt"):
        assert client.get(url).status_code == 404
    for url in (f"/orders/{order.id}/cancel", f"/orders/{order.id}/confirm", f"/orders/{order.id}/messages"):
        assert client.post(url, data={"body": "hi"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "placed"


def test_another_stores_order_is_404(client, auth, placed, factories):
    _buyer, _seller, order, _product = placed
    other_product = factories.ProductFactory(live=True)
    other_seller = store_owner(other_product.store)
    auth.login(other_seller.email)
    for url in (f"/sales/{order.id}", f"/sales/{order.id}/packing"):
        assert client.get(url).status_code == 404
    for action in ("accept", "decline", "ready", "delivered", "payment", "messages"):
        assert client.post(f"/sales/{order.id}/{action}", data={"reason": "x", "body": "x"}).status_code == 404
    assert order.number not in page_text(client.get("/sales/"))
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "placed"


def test_roles(client, auth, placed):
    buyer, seller, order, _product = placed
    auth.login(buyer.email)
    assert client.get("/sales/").status_code == 403
    auth.logout()
    auth.login(seller.email)
    assert client.get("/orders/").status_code == 403
    auth.logout()
    assert client.get("/orders/").status_code == 302


def test_messages_between_buyer_and_store(client, auth, placed):
    buyer, seller, order, _product = placed
    auth.login(buyer.email)
    assert _post(client, f"/orders/{order.id}/messages", body="Bisa diantar jam 10?").status_code == 303
    assert _post(client, f"/orders/{order.id}/messages", body="   ").status_code == 422
    auth.logout()
    auth.login(seller.email)
    page = page_text(client.get(f"/sales/{order.id}"))
    assert "Bisa diantar jam 10?" in page
    assert _post(client, f"/sales/{order.id}/messages", body="Bisa, Bu.").status_code == 303
    auth.logout()
    auth.login(buyer.email)
    assert "Bisa, Bu." in page_text(client.get(f"/orders/{order.id}"))
    assert db.session.execute(db.select(db.func.count(OrderMessage.id))).scalar_one() == 2


def test_auto_complete_three_days_after_delivery(app, runner, client, auth, placed):
    buyer, seller, order, _product = placed
    auth.login(seller.email)
    for step in ("accept", "ready", "delivered"):
        _post(client, f"/sales/{order.id}/{step}")
    from app.services.orders import complete_delivered_orders

    with app.test_request_context("/"):
        assert complete_delivered_orders(clock.now() + timedelta(days=2)) == 0
    clock.travel(days=3, minutes=1)
    result = runner.invoke(args=["orders", "auto-complete"])
    assert result.exit_code == 0, result.output
    assert "Completed 1" in result.output
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.state == "completed" and order.events[-1].action == "auto_complete"


def test_incoming_orders_by_state(client, auth, placed):
    _buyer, seller, order, _product = placed
    auth.login(seller.email)
    assert order.number in page_text(client.get("/sales/?state=placed"))
    assert order.number not in page_text(client.get("/sales/?state=accepted"))
    assert 'text-bg-warning">1<' in page_text(client.get("/sales/"))  # nav badge: one new order


BUYER_PAGES = ["/cart/", "/cart/checkout", "/orders/"]
SELLER_PAGES = ["/sales/", "/sales/reviews"]


@pytest.mark.parametrize("url", BUYER_PAGES + SELLER_PAGES + ["/notifications/"])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role, urls", [("seller", BUYER_PAGES), ("buyer", SELLER_PAGES),
                                        ("mentor", BUYER_PAGES + SELLER_PAGES)])
def test_other_roles_get_403(client, auth, factories, role, urls):
    user = {"seller": factories.SellerFactory, "buyer": factories.BuyerFactory,
            "mentor": factories.MentorFactory}[role]()
    auth.login(user.email)
    for url in urls:
        assert client.get(url).status_code == 403, url
