"""The cart and order pages load in a fixed number of queries, however many lines."""
import pytest

from app.extensions import db
from tests.factories import store_owner
from tests.helpers import counting_statements
from tests.order_helpers import add, checkout, orders_of, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


def _queries(client, url):
    db.session.expire_all()
    with counting_statements() as statements:
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


def test_the_sellers_list_does_not_grow_with_buyers_departments(client, auth, factories):
    store = factories.StoreFactory(verified=True)
    product = factories.ProductFactory(live=True, store=store, stock=100)
    seller = store_owner(store)

    def order_from_new_department():
        buyer = factories.BuyerFactory(department=factories.DepartmentFactory())
        auth.logout()
        auth.login(buyer.email)
        add(client, product.id, 1)
        checkout(client)

    order_from_new_department()
    auth.logout()
    auth.login(seller.email)
    one = _queries(client, "/sales/")
    for _ in range(3):
        order_from_new_department()
    auth.logout()
    auth.login(seller.email)
    assert _queries(client, "/sales/") == one


def test_acting_from_the_list_returns_to_the_list(client, auth, factories):
    store = factories.StoreFactory(verified=True)
    product = factories.ProductFactory(live=True, store=store, stock=10)
    buyer = factories.BuyerFactory()
    auth.login(buyer.email)
    add(client, product.id, 1)
    checkout(client)
    order = orders_of(buyer.id)[0]
    auth.logout()
    auth.login(store_owner(store).email)
    use_english(client)
    page = client.get("/sales/?state=placed").get_data(as_text=True)
    assert 'name="next" value="/sales/?state=placed"' in page
    response = client.post(f"/sales/{order.id}/accept", data={"next": "/sales/?state=placed"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sales/?state=placed")
    assert "The order has been accepted." in client.get("/sales/?state=placed").get_data(as_text=True)
    # From the order's own page (no next) it stays on the order; a foreign target, or
    # one that is not the sales list, is ignored the same way.
    for step, target in (("ready", None), ("delivered", "https://evil.example/sales/")):
        response = client.post(f"/sales/{order.id}/{step}", data={"next": target} if target else {})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/sales/{order.id}"), step


def test_a_foreign_next_is_never_followed(client, auth, factories):
    store = factories.StoreFactory(verified=True)
    product = factories.ProductFactory(live=True, store=store, stock=10)
    buyer = factories.BuyerFactory()
    auth.login(buyer.email)
    for _ in range(3):
        add(client, product.id, 1)
        checkout(client)
    orders = orders_of(buyer.id)
    auth.logout()
    auth.login(store_owner(store).email)
    for order, target in zip(orders, ("//evil.example/sales/", "/orders/", "/sales/../orders/"), strict=True):
        response = client.post(f"/sales/{order.id}/accept", data={"next": target})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/sales/{order.id}"), target


def test_a_checkout_of_three_stores_looks_up_the_holidays_once(client, auth, factories):
    """Every store's order gets its answer deadline in working days: one holiday look-up
    serves them all, however many stores the cart spans."""
    buyer = factories.BuyerFactory()
    products = [factories.ProductFactory(live=True, stock=10) for _ in range(3)]  # three stores
    auth.login(buyer.email)
    for product in products:
        add(client, product.id, 1)
    with counting_statements() as statements:
        assert checkout(client).status_code == 303
    orders = orders_of(buyer.id)
    assert len(orders) == 3 and all(o.answer_due_at is not None for o in orders)
    assert len({o.answer_due_at for o in orders}) == 1
    assert sum("public_holidays" in s for s in statements) == 1
