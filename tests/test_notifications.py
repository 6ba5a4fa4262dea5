"""Notifications: exactly one e-mail to the buyer per checkout, one per store, one per
state change for the other party; in-app list with unread count."""
import pytest

from app.extensions import db
from app.models import Notification
from tests.conftest import outbox
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import add, checkout, orders_of, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


def test_one_email_per_checkout_and_per_store(app, client, auth, factories):
    buyer = factories.BuyerFactory()
    products = [factories.ProductFactory(live=True, stock=20) for _ in range(3)]
    extra = factories.ProductFactory(live=True, store=products[0].store, stock=20)  # two items, one store
    auth.login(buyer.email)
    for product in products + [extra]:
        add(client, product.id, 2)
    checkout(client)
    orders = orders_of(buyer.id)
    assert len(orders) == 3
    buyer_mail = outbox(app, to=buyer.email)
    assert len(buyer_mail) == 1
    for order in orders:
        assert order.number in buyer_mail[0][2]
    for product in products:
        assert len(outbox(app, to=store_owner(product.store).email)) == 1
    assert len(outbox(app)) == 4


def test_in_app_notifications_and_unread_badge(app, client, auth, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True)
    seller = store_owner(product.store)
    auth.login(buyer.email)
    add(client, product.id, 1)
    checkout(client)
    order = orders_of(buyer.id)[0]
    auth.logout()
    auth.login(seller.email)
    page = page_text(client.get("/notifications/"))
    assert f"New order {order.number}" in page and "1 unread" in page
    client.post(f"/sales/{order.id}/accept")
    auth.logout()
    auth.login(buyer.email)
    page = page_text(client.get("/notifications/"))
    assert f"Order {order.number} was accepted" in page and "2 unread" in page
    note = db.session.execute(db.select(Notification).where(Notification.user_id == buyer.id,
                                                            Notification.kind == "order_accepted")).scalar_one()
    opened = client.post(f"/notifications/{note.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/orders/{order.id}")
    assert "1 unread" in page_text(client.get("/notifications/"))
    client.post("/notifications/read-all")
    assert "unread" not in page_text(client.get("/notifications/"))
    # another user's notification cannot be opened
    other = db.session.execute(db.select(Notification).where(Notification.user_id == seller.id)).scalars().first()
    assert client.post(f"/notifications/{other.id}/open").status_code == 404
    db.session.refresh(other)
    assert other.read_at is None


def test_state_change_emails_go_to_the_other_party_only(app, client, auth, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True)
    seller = store_owner(product.store)
    auth.login(buyer.email)
    add(client, product.id, 1)
    checkout(client)
    order = orders_of(buyer.id)[0]
    client.post(f"/orders/{order.id}/cancel", data={"reason": "Salah pesan"})
    assert len(outbox(app, to=buyer.email)) == 1  # only the checkout e-mail
    store_mail = outbox(app, to=seller.email)
    assert len(store_mail) == 2 and "Salah pesan" in store_mail[-1][2]
