"""50 buyers check out the last 20 units at the same moment (PostgreSQL): exactly 20
orders, 30 out-of-stock answers, stock 0, and the stock taken equals what was ordered."""
import os
import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale

from app import clock
from app.extensions import db
from app.models import Order, OrderItem, Product

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]

BUYERS = 50
UNITS = 20


@pytest.fixture
def app(tmp_path, pg_schema):
    """An app whose pool gives every buyer its own connection at the same moment."""
    from tests.conftest import database_config, empty_tables, make_app

    options = dict(database_config(tmp_path, pg_schema)["SQLALCHEMY_ENGINE_OPTIONS"])
    options.update(pool_size=BUYERS + 2, max_overflow=0, pool_timeout=60)
    app = make_app(tmp_path, pg_schema, SQLALCHEMY_ENGINE_OPTIONS=options)
    yield app
    empty_tables(app)


def at_once(app, count, attempt):
    """Run ``attempt(n, ready)`` for n in range(count), each in its own thread, request
    context, session and connection, messages in English; every attempt calls ``ready()``
    just before the step that races, and they all take that step at the same moment.
    Returns the attempts' results; any exception fails the test."""
    barrier = threading.Barrier(count)
    results, errors = [], []
    lock = threading.Lock()

    def run(n):
        try:
            with app.test_request_context("/"), force_locale("en"):
                try:
                    outcome = attempt(n, lambda: barrier.wait(timeout=60))
                finally:
                    db.session.remove()
            with lock:
                results.append(outcome)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            with lock:
                errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def office_details():
    from app.services import checkout

    return checkout.Details("office", "Bappeda, Jl. Rahadi Usman No. 3", clock.today() + timedelta(days=1),
                            "10-12", "cod")


def test_fifty_buyers_race_for_the_last_twenty_units(app, factories):
    from app.services import cart, checkout

    product = factories.ProductFactory(live=True, name="Cold Brew Tugu", price=25000, stock=UNITS)
    buyers = [factories.BuyerFactory() for _ in range(BUYERS)]
    with app.test_request_context("/"):
        for buyer in buyers:
            cart.add_item(buyer, product.id, 1)
    product_id, buyer_ids = product.id, [b.id for b in buyers]
    db.session.remove()

    def buy(n, ready):
        from app.models import User

        buyer = db.session.get(User, buyer_ids[n])
        details = office_details()
        buyer.roles  # noqa: B018 - loaded now, so the race below is only the checkout
        ready()
        try:
            result = checkout.place_orders(buyer, f"race-{buyer_ids[n]:04d}-xxxxxxxxxxxx", details)
            return ("placed", len(result.orders))
        except checkout.ItemProblems as error:
            return ("refused", str(error.message))

    results = at_once(app, BUYERS, buy)
    placed = [r for r in results if r[0] == "placed"]
    refused = [r for r in results if r[0] == "refused"]
    assert len(placed) == UNITS
    assert len(refused) == BUYERS - UNITS
    assert all("out of stock" in message for _kind, message in refused)
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    assert product.stock == 0
    ordered = db.session.execute(db.select(db.func.sum(OrderItem.quantity))).scalar_one()
    assert ordered == UNITS == product.sold_count
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == UNITS
    numbers = db.session.execute(db.select(Order.number)).scalars().all()
    assert len(set(numbers)) == UNITS and all(n and n.startswith("PKB-") for n in numbers)


def test_the_same_checkout_submitted_five_times_at_once_places_once(app, factories):
    from app.services import cart, checkout

    product = factories.ProductFactory(live=True, price=25000, stock=10)
    buyer = factories.BuyerFactory()
    with app.test_request_context("/"):
        cart.add_item(buyer, product.id, 2)
    product_id, buyer_id = product.id, buyer.id
    db.session.remove()

    def submit(_n, ready):
        from app.models import User

        user = db.session.get(User, buyer_id)
        user.roles  # noqa: B018
        details = checkout.Details("office", "Kantor", clock.today() + timedelta(days=1), "10-12", "cod")
        ready()
        return checkout.place_orders(user, "double-click-key-0123456789", details).checkout.id

    attempts = at_once(app, 5, submit)
    assert len(attempts) == 5 and len(set(attempts)) == 1
    db.session.expire_all()
    assert db.session.get(Product, product_id).stock == 8
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 1


def test_thirty_buyers_race_for_two_variants_bought_together(app, factories):
    """Each buyer's cart holds one M and one L of the same shirt (half of them added L
    first); 10 of each are in stock. Exactly 10 checkouts win, no deadlock, no variant
    below zero, S untouched, and the store is told of low stock once per variant."""
    from app.models import Notification, ProductVariant
    from app.services import cart, checkout, listings

    buyers_count = 30
    product = factories.ProductFactory(live=True, name="Kemeja Corak Insang", price=150000, stock=0)
    seller = factories.store_owner(product.store)
    product.category.option_groups = ["Ukuran"]
    listings.apply_options(product, [{"name": "Ukuran", "values": ["S", "M", "L"]}])
    db.session.commit()
    by_name = {v.name: v for v in product.active_variants}
    with app.test_request_context("/"):
        listings.update_variants(seller, product, {
            by_name["S"].id: {"sku": "KCI-S", "stock": 5},
            by_name["M"].id: {"sku": "KCI-M", "stock": 10, "threshold": 3},
            by_name["L"].id: {"sku": "KCI-L", "stock": 10}}, product_threshold=2)
    buyers = [factories.BuyerFactory() for _ in range(buyers_count)]
    with app.test_request_context("/"):
        for n, buyer in enumerate(buyers):
            first, second = ("M", "L") if n % 2 else ("L", "M")
            cart.add_item(buyer, product.id, 1, by_name[first].id)
            cart.add_item(buyer, product.id, 1, by_name[second].id)
    product_id, buyer_ids = product.id, [b.id for b in buyers]
    variant_ids = {name: v.id for name, v in by_name.items()}
    db.session.remove()

    def buy(n, ready):
        from app.models import User

        buyer = db.session.get(User, buyer_ids[n])
        details = office_details()
        buyer.roles  # noqa: B018
        ready()
        try:
            checkout.place_orders(buyer, f"variant-race-{buyer_ids[n]:04d}-xxxxxxxx", details)
            return "placed"
        except checkout.ItemProblems as error:
            return "refused: " + str(error.message)

    results = at_once(app, buyers_count, buy)
    assert results.count("placed") == 10
    refused = [r for r in results if r != "placed"]
    assert len(refused) == buyers_count - 10 and all("out of stock" in r for r in refused)
    db.session.expire_all()
    stock = {name: db.session.get(ProductVariant, vid).stock for name, vid in variant_ids.items()}
    assert stock == {"S": 5, "M": 0, "L": 0}
    product = db.session.get(Product, product_id)
    assert product.stock == 5 and product.sold_count == 20
    lines = db.session.execute(db.select(OrderItem.variant_id, db.func.sum(OrderItem.quantity))
                               .group_by(OrderItem.variant_id)).all()
    assert dict(lines) == {variant_ids["M"]: 10, variant_ids["L"]: 10}
    alerts = db.session.execute(db.select(Notification.params).where(Notification.kind == "low_stock")).scalars().all()
    assert sorted(a["product"] for a in alerts) == ["Kemeja Corak Insang (L)", "Kemeja Corak Insang (M)"]
