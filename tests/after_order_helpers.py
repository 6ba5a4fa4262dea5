"""Helpers the after-the-order tests share: an order delivered to a buyer, a picture to upload."""
import io
from datetime import timedelta

from PIL import Image

from app import clock
from app.extensions import db
from app.models import Order
from app.services import cart as cart_service
from app.services import checkout as checkout_service
from app.services import orders as order_service


def png_bytes(colour=(200, 40, 40)):
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "PNG")
    return out.getvalue()


def place(buyer, product, quantity, method="cod", data=None, key="k"):
    """Place an order of ``quantity`` of ``product`` (needs a request context); its id."""
    cart_service.add_item(buyer, product.id, quantity)
    details = checkout_service.Details("office", "Bappeda, ruang rapat", clock.today() + timedelta(days=3), "10-12",
                                       method, payment_data=data or {})
    return checkout_service.place_orders(buyer, (key * 32)[:32], details).orders[0].id


def deliver(seller, order_id):
    """The store accepts, prepares and delivers a placed order."""
    order_service.accept_order(seller, order_id)
    order_service.mark_ready(seller, order_id)
    order_service.mark_delivered(seller, order_id)


def fresh(order_id):
    db.session.expire_all()
    return db.session.get(Order, order_id)
