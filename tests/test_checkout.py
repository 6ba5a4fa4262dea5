"""Checkout: one order per store in one transaction, stock taken, cart emptied, one
e-mail per checkout, idempotent double submit, and every bad input refused."""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import AuditEntry, CartItem, CheckoutAttempt, Order, OrderItem
from tests.conftest import outbox
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import add, checkout, details, orders_of, review_form, stock_of, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def req(app_ctx):
    """Service calls as in a request (translations need one)."""
    from flask_babel import force_locale

    with app_ctx.test_request_context("/"), force_locale("en"):
        yield app_ctx


@pytest.fixture
def two_stores(factories):
    buyer = factories.BuyerFactory(full_name="Budi Santoso")
    coffee = factories.ProductFactory(live=True, name="Kopi Aming Bubuk", price=45000, stock=10)
    scarf = factories.ProductFactory(live=True, name="Syal Corak Insang", price=250000, stock=3)
    return buyer, coffee, scarf


def test_checkout_places_one_order_per_store(app, client, auth, two_stores):
    buyer, coffee, scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 2)
    add(client, scarf.id, 1)
    page = client.get("/cart/checkout")
    assert page.status_code == 200
    assert buyer.department.address in page_text(page)  # office address prefilled
    review, _key, total = review_form(client, **{f"note_{coffee.store_id}": "Tolong digiling halus"})
    text = page_text(review)
    assert "Rp\u00a090.000" in text and "Rp\u00a0250.000" in text and "Rp\u00a0340.000" in text and total == 340000
    response = checkout(client)
    assert response.status_code == 303
    done = client.get(response.headers["Location"])
    assert "Order placed" in page_text(done)
    orders = orders_of(buyer.id)
    assert len(orders) == 2
    assert {o.store_id for o in orders} == {coffee.store_id, scarf.store_id}
    for order in orders:
        assert order.number.startswith(f"PKB-{clock.local_now().year}-") and len(order.number) == len("PKB-2026-000001")
        assert order.state == "placed" and order.payment_method == "cod" and order.payment_state == "due"
        assert order.events[0].action == "place"
    coffee_order = next(o for o in orders if o.store_id == coffee.store_id)
    assert coffee_order.total == 90000 and coffee_order.items[0].name == "Kopi Aming Bubuk"
    assert coffee_order.items[0].unit_price == 45000
    assert coffee_order.delivery_address.startswith("Bappeda")
    assert len({o.checkout_attempt_id for o in orders}) == 1
    assert stock_of(coffee.id) == 8 and stock_of(scarf.id) == 2
    assert db.session.execute(db.select(db.func.count(CartItem.id))).scalar_one() == 0
    # one e-mail to the buyer for the checkout, one to each store
    assert len(outbox(app, to=buyer.email)) == 1
    assert len(outbox(app, to=store_owner(coffee.store).email)) == 1
    assert len(outbox(app, to=store_owner(scarf.store).email)) == 1
    assert db.session.execute(
        db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "order.place")).scalar_one() == 2


def test_prices_are_copied_into_the_order(client, auth, two_stores):
    buyer, coffee, _scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 1)
    checkout(client)
    coffee.price = 99000
    coffee.name = "Kopi Baru"
    db.session.commit()
    item = db.session.execute(db.select(OrderItem)).scalar_one()
    assert item.unit_price == 45000 and item.name == "Kopi Aming Bubuk"


def test_double_submit_places_once(app, client, auth, two_stores):
    buyer, coffee, _scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 2)
    _page, key, total = review_form(client)
    form = {"idempotency_key": key, "expected_total": str(total)}
    first = client.post("/cart/checkout/place", data=form)
    second = client.post("/cart/checkout/place", data=form)
    assert first.status_code == 303 and second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(orders_of(buyer.id)) == 1
    assert stock_of(coffee.id) == 8
    assert len(outbox(app, to=buyer.email)) == 1
    assert db.session.execute(db.select(db.func.count(CheckoutAttempt.id))).scalar_one() == 1


def test_service_replay_with_same_key_returns_same_orders(req, factories):
    from app.services import checkout as service

    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True, stock=5)
    from app.services import cart

    cart.add_item(buyer, product.id, 2)
    d = service.Details("office", "Kantor", clock.today() + timedelta(days=1), "10-12", "cod")
    first = service.place_orders(buyer, "k" * 32, d)
    cart.add_item(buyer, product.id, 1)  # a new cart, same key: still the first checkout
    second = service.place_orders(buyer, "k" * 32, d)
    assert second.replayed and [o.id for o in second.orders] == [o.id for o in first.orders]
    assert stock_of(product.id) == 3


def test_item_out_of_stock_between_cart_and_checkout_places_nothing(app, client, auth, two_stores):
    buyer, coffee, scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 2)
    add(client, scarf.id, 2)
    _page, key, total = review_form(client)
    scarf.stock = 1  # someone else bought
    db.session.commit()
    response = client.post("/cart/checkout/place", data={"idempotency_key": key, "expected_total": str(total)})
    assert response.status_code == 409
    text = page_text(response)
    assert "Nothing was ordered" in text and "Syal Corak Insang" in text and "only 1 left" in text
    assert orders_of(buyer.id) == []
    assert stock_of(coffee.id) == 10 and stock_of(scarf.id) == 1
    assert db.session.execute(db.select(db.func.count(CartItem.id))).scalar_one() == 2
    assert outbox(app, to=buyer.email) == []


def test_item_hidden_between_cart_and_checkout_places_nothing(client, auth, two_stores):
    buyer, coffee, scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 1)
    add(client, scarf.id, 1)
    _page, key, total = review_form(client)
    coffee.listed = False
    db.session.commit()
    response = client.post("/cart/checkout/place", data={"idempotency_key": key, "expected_total": str(total)})
    assert response.status_code == 409
    assert "Kopi Aming Bubuk: no longer available" in page_text(response)
    assert orders_of(buyer.id) == [] and stock_of(scarf.id) == 3


def test_guarded_update_refuses_when_stock_ran_out_after_the_checks(req, factories, monkeypatch):
    """The UPDATE is the authority: if stock vanished after the pre-checks, nothing is placed."""
    from app.services import cart, checkout as service, orders

    buyer = factories.BuyerFactory()
    first = factories.ProductFactory(live=True, stock=5, name="Amplang")
    second = factories.ProductFactory(live=True, stock=5, name="Bingke")
    cart.add_item(buyer, first.id, 2)
    cart.add_item(buyer, second.id, 2)
    real = orders.take_stock

    def racing(product_id, quantity, by_variant=None):
        if product_id == second.id:
            return False  # another checkout took it a moment ago
        return real(product_id, quantity, by_variant)

    monkeypatch.setattr(service, "take_stock", racing)
    d = service.Details("office", "Kantor", clock.today() + timedelta(days=1), "10-12", "cod")
    with pytest.raises(service.ItemProblems) as error:
        service.place_orders(buyer, "r" * 32, d)
    assert error.value.problems[0][0] == "Bingke"
    assert stock_of(first.id) == 5 and orders_of(buyer.id) == []


@pytest.mark.parametrize("overrides, message", [
    ({"requested_date": (clock.today() - timedelta(days=1)).isoformat()}, "in the past"),
    ({"requested_date": "not-a-date"}, "as a date"),
    ({"time_window": "03-05"}, "time window"),
    ({"delivery_method": "drone"}, "office or pickup"),
    ({"delivery_address": "  "}, "office address"),
    ({"payment_method": "bitcoin"}, "payment method"),
    ({"requested_date": (clock.today() + timedelta(days=200)).isoformat()}, "90 days"),
])
def test_bad_checkout_details_are_refused(client, auth, two_stores, overrides, message):
    buyer, coffee, _scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 1)
    response = client.post("/cart/checkout", data=details(**overrides))
    assert response.status_code == 422
    assert message in page_text(response)


def test_delivery_sooner_than_lead_time_is_refused(client, auth, factories):
    buyer = factories.BuyerFactory()
    snack = factories.ProductFactory(live=True, name="Snack Box Rapat", lead_time_days=3, min_order=20, stock=200)
    drink = factories.ProductFactory(live=True, name="Lidah Buaya", lead_time_days=1)
    auth.login(buyer.email)
    add(client, snack.id, 20)
    add(client, drink.id, 1)
    response = client.post("/cart/checkout",
                           data=details(requested_date=(clock.today() + timedelta(days=2)).isoformat()))
    assert response.status_code == 422 and "3 days" in page_text(response)
    ok = client.post("/cart/checkout", data=details(requested_date=(clock.today() + timedelta(days=3)).isoformat()))
    assert ok.status_code == 303


def test_time_window_already_started_today_is_refused(req, factories):
    from app.services import Invalid, cart, checkout as service

    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True)
    cart.add_item(buyer, product.id, 1)
    view = cart.view(buyer)
    local = clock.local_now()
    clock.travel(local.replace(hour=11, minute=0) - local)  # 11.00 WIB today
    with pytest.raises(Invalid) as error:
        service.check_details(buyer, service.Details("office", "Kantor", clock.today(), "10-12", "cod"), view)
    assert "already started" in error.value.message
    service.check_details(buyer, service.Details("office", "Kantor", clock.today(), "12-14", "cod"), view)


def test_tampered_fields_are_ignored_or_refused(client, auth, two_stores, factories):
    buyer, coffee, _scarf = two_stores
    stranger = factories.ProductFactory(live=True)
    auth.login(buyer.email)
    add(client, coffee.id, 1)
    # a note for a store not in the cart, a price and a store id in the form: ignored
    client.post("/cart/checkout", data=details(**{f"note_{stranger.store_id}": "x", "price": "1",
                                                  "store_id": str(stranger.store_id)}))
    _page, key, _total = review_form(client)
    # a tampered expected total: refused, nothing placed
    response = client.post("/cart/checkout/place", data={"idempotency_key": key, "expected_total": "1"})
    assert response.status_code == 409 and "Prices in your cart changed" in page_text(response)
    assert orders_of(buyer.id) == []
    # a tampered (too short) key: refused
    response = client.post("/cart/checkout/place", data={"idempotency_key": "x", "expected_total": "45000"})
    assert response.status_code == 422
    response = client.post("/cart/checkout/place", data={"idempotency_key": key, "expected_total": "45000"})
    assert response.status_code == 303
    orders = orders_of(buyer.id)
    assert len(orders) == 1 and orders[0].store_id == coffee.store_id and orders[0].total == 45000
    assert orders[0].note == ""


def test_price_change_after_review_asks_to_review_again(client, auth, two_stores):
    buyer, coffee, _scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 1)
    _page, key, total = review_form(client)
    coffee.price = 47000
    db.session.commit()
    response = client.post("/cart/checkout/place", data={"idempotency_key": key, "expected_total": str(total)})
    assert response.status_code == 409 and "Rp\u00a047.000" in page_text(response)
    assert orders_of(buyer.id) == []


def test_pickup_uses_store_address(client, auth, two_stores):
    buyer, coffee, _scarf = two_stores
    auth.login(buyer.email)
    add(client, coffee.id, 1)
    checkout(client, delivery_method="pickup", delivery_address="")
    order = orders_of(buyer.id)[0]
    assert order.delivery_method == "pickup" and order.delivery_address == coffee.store.address


def test_empty_cart_cannot_check_out(client, auth, two_stores):
    buyer, _coffee, _scarf = two_stores
    auth.login(buyer.email)
    assert client.get("/cart/checkout").status_code == 302
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0


def test_payment_registry_offers_pay_on_delivery(req, factories):
    from app.services import payments

    buyer = factories.BuyerFactory()
    codes = [m.code for m in payments.available_for(buyer, None)]
    assert codes[0] == "cod"


def test_a_new_payment_method_plugs_in_without_checkout_changes(req, factories):
    """A method that starts orders in awaiting_payment (like card) only registers itself."""
    from app.services import cart, payments
    from app.services import checkout as service
    from app.services.payments.base import PaymentMethod

    class Fake(PaymentMethod):
        code = "fake"
        label = "Fake"
        initial_state = "awaiting_payment"

        def start(self, checkout, orders):
            checkout.payment_data = {"intent": "pi_123", "orders": [o.number for o in orders]}
            return "/pay/here"

    payments.register(Fake())
    try:
        buyer = factories.BuyerFactory()
        product = factories.ProductFactory(live=True, stock=5)
        cart.add_item(buyer, product.id, 2)
        d = service.Details("office", "Kantor", clock.today() + timedelta(days=1), "10-12", "fake")
        result = service.place_orders(buyer, "f" * 32, d)
        assert result.next_url == "/pay/here"
        assert result.orders[0].state == "awaiting_payment" and result.orders[0].placed_at is None
        assert stock_of(product.id) == 3  # held
        assert result.checkout.payment_data["intent"] == "pi_123"
    finally:
        __import__("app.services.payment_registry", fromlist=["_REGISTRY"])._REGISTRY.pop("fake", None)


def test_place_without_csrf_token_is_refused(tmp_path, pg_schema):
    from tests import factories
    from tests.conftest import AuthActions, empty_tables, make_app

    app = make_app(tmp_path, pg_schema, WTF_CSRF_ENABLED=True)
    try:
        with app.app_context():
            buyer = factories.BuyerFactory()
            product = factories.ProductFactory(live=True, stock=5)
            email, product_id = buyer.email, product.id
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        AuthActions(client).login(email, csrf_token=token.group(1))
        assert client.get("/cart/").status_code == 200  # logged in
        response = client.post(f"/cart/add/{product_id}", data={"quantity": "1"})
        assert response.status_code == 400
        with app.app_context():
            from app.models import CartItem

            assert db.session.execute(db.select(db.func.count(CartItem.id))).scalar_one() == 0
    finally:
        if pg_schema is not None:
            empty_tables(app)


def test_department_purchase_is_offered_only_to_purchasers(client, auth, factories):
    from tests.department_helpers import make_team

    team = make_team(factories)
    colleague = factories.BuyerFactory(full_name="Sri Rahayu", department=team.department, locale="en")
    for user, offered in ((team.purchaser, True), (colleague, False)):
        auth.login(user.email)
        use_english(client)
        add(client, team.snack.id, 2)
        page = client.get("/cart/checkout").get_data(as_text=True)
        assert ('id="pay-department"' in page) is offered
        assert ('name="department-kode_rup"' in page) is offered
        # The colleague is told in one line how to become the department's purchaser.
        assert ('id="department-hint"' in page) is (not offered)
        client.post("/auth/logout")
