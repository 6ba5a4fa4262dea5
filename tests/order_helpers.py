"""Helpers the cart, checkout and order tests share."""
import re
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import Order, Product

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
TOTAL = re.compile(r'name="expected_total" value="(\d+)"')


def use_english(client):
    """Pages in English for the assertions (the default is Indonesian)."""
    client.post("/language", data={"lang": "en", "next": "/"})


def future_date(days=2):
    return (clock.today() + timedelta(days=days)).isoformat()


def add(client, product_id, quantity=1, **extra):
    return client.post(f"/cart/add/{product_id}", data={"quantity": str(quantity), **extra})


def details(**overrides):
    data = {
        "delivery_method": "office",
        "delivery_address": "Bappeda, Jl. Rahadi Usman No. 3, ruang rapat lantai 2",
        "requested_date": future_date(),
        "time_window": "10-12",
        "payment_method": "cod",
        "contact_phone": "081255501234",
    }
    data.update(overrides)
    return data


def review_form(client, **overrides):
    """Fill the checkout page and open the review page; returns (response, key, total)."""
    response = client.post("/cart/checkout", data=details(**overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get("/cart/checkout/review")
    text = page.get_data(as_text=True)
    return page, KEY.search(text).group(1), int(TOTAL.search(text).group(1))


def checkout(client, **overrides):
    """Checkout and place; returns the place response (not followed)."""
    _page, key, total = review_form(client, **overrides)
    return client.post("/cart/checkout/place", data={"idempotency_key": key, "expected_total": str(total)})


def orders_of(buyer_id):
    db.session.expire_all()
    return db.session.execute(db.select(Order).where(Order.buyer_id == buyer_id).order_by(Order.id)).scalars().all()


def stock_of(product_id):
    db.session.expire_all()
    return db.session.get(Product, product_id).stock
