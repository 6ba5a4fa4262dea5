"""The cart and order pages load in a fixed number of queries, however many lines."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.factories import store_owner
from tests.order_helpers import add, checkout, orders_of, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@contextmanager
def counting():
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _queries(client, url):
    db.session.expire_all()
    with counting() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_cart_and_order_pages_do_not_grow_with_lines(client, auth, factories):
    buyer = factories.BuyerFactory()
    store = factories.StoreFactory(verified=True)
    products = [factories.ProductFactory(live=True, store=store, stock=50) for _ in range(6)]
    others = [factories.ProductFactory(live=True, stock=50) for _ in range(3)]
    auth.login(buyer.email)
    add(client, products[0].id, 1)
    small_cart = _queries(client, "/cart/")
    for product in products[1:] + others:
        add(client, product.id, 2)
    assert _queries(client, "/cart/") == small_cart
    checkout(client)
    orders = orders_of(buyer.id)
    big = max(orders, key=lambda o: len(o.items))
    small = min(orders, key=lambda o: len(o.items))
    assert _queries(client, f"/orders/{big.id}") == _queries(client, f"/orders/{small.id}")
    # lists: a bound that does not depend on the rows (other features add their own nav badges)
    assert _queries(client, "/orders/") <= 25
    auth.logout()
    auth.login(store_owner(store).email)
    sales_detail = _queries(client, f"/sales/{big.id}")
    assert sales_detail <= 25
    assert _queries(client, "/sales/") <= 25
