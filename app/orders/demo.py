"""Demo orders for the demo buyer, in several states. Runs only when the listings
feature's demo products exist (live products of the demo sellers' stores); idempotent:
each demo checkout is found by its idempotency key before it is created."""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import CheckoutAttempt, Order, OrderEvent, OrderItem, Product, ProductReview, Store, StoreMember, User

DEMO_BUYER = "budi.santoso@pontianak.go.id"
# (key, final state, days ago, path of actions)
SCENARIOS = [
    ("demo-order-0001-placed", "placed", 0, ["place"]),
    ("demo-order-0002-accepted", "accepted", 1, ["place", "accept"]),
    ("demo-order-0003-delivered", "delivered", 2, ["place", "accept", "mark_ready", "mark_delivered"]),
    ("demo-order-0004-completed", "completed", 8,
     ["place", "accept", "mark_ready", "mark_delivered", "confirm_receipt"]),
    ("demo-order-0005-cancelled", "cancelled", 5, ["place", "cancel"]),
]
STATE_AFTER = {"place": "placed", "accept": "accepted", "mark_ready": "ready", "mark_delivered": "delivered",
               "confirm_receipt": "completed", "cancel": "cancelled"}
STAMP = {"placed": "placed_at", "accepted": "accepted_at", "ready": "ready_at", "delivered": "delivered_at",
         "completed": "completed_at", "cancelled": "cancelled_at"}


def _demo_products():
    from app.demo import SELLERS

    emails = [email for email, _name in SELLERS]
    return db.session.execute(
        db.select(Product).join(Store, Store.id == Product.store_id)
        .join(StoreMember, StoreMember.store_id == Store.id).join(User, User.id == StoreMember.user_id)
        .where(User.email.in_(emails), Product.visible_condition(clock.today()), Product.stock >= 5)
        .order_by(Product.store_id, Product.id)
    ).scalars().unique().all()


def seed_orders():
    buyer = db.session.execute(db.select(User).where(User.email == DEMO_BUYER)).scalar_one_or_none()
    if buyer is None:
        return
    products = _demo_products()
    if len(products) < 2:
        return  # the listings demo data is not there: nothing to order
    by_store: dict[int, list] = {}
    for product in products:
        by_store.setdefault(product.store_id, []).append(product)
    stores = list(by_store.values())
    now = clock.now()
    for index, (key, state, days_ago, path) in enumerate(SCENARIOS):
        exists = db.session.execute(
            db.select(CheckoutAttempt.id).where(CheckoutAttempt.buyer_id == buyer.id,
                                                CheckoutAttempt.idempotency_key == key)
        ).first()
        if exists:
            continue
        chosen = stores[index % len(stores)][:2]
        at = now - timedelta(days=days_ago, hours=3)
        attempt = CheckoutAttempt(buyer_id=buyer.id, idempotency_key=key, payment_method="cod", created_at=at)
        order = Order(
            buyer_id=buyer.id, store_id=chosen[0].store_id, checkout_attempt=attempt, state=state,
            payment_method="cod",
            payment_state="paid" if state == "completed" else ("none" if state == "cancelled" else "due"),
            delivery_method="office",
            delivery_address=((buyer.department.name + "\n" + buyer.department.address) if buyer.department
                              else "Pontianak"),
            requested_date=(at + timedelta(days=1)).date(), time_window="10-12",
            note="Mohon diantar ke ruang rapat lantai 2." if index % 2 == 0 else "", created_at=at,
        )
        total = 0
        for product in chosen:
            quantity = max(product.min_order, 2)
            order.items.append(OrderItem(product_id=product.id, name=product.name, unit=product.unit,
                                         unit_price=product.price, quantity=quantity,
                                         line_total=product.price * quantity))
            total += product.price * quantity
            if state != "cancelled":
                product.stock -= quantity
                product.sold_count += quantity
        order.subtotal = order.total = total
        if state == "completed":
            order.payment_kind, order.payment_amount, order.paid_at = "cash", total, at + timedelta(days=2)
        attempt.total = total
        db.session.add(attempt)
        previous = None
        for step, action in enumerate(path):
            new = STATE_AFTER[action]
            when = at + timedelta(hours=step * 6)
            setattr(order, STAMP[new], when)
            order.events.append(OrderEvent(action=action, from_state=previous, to_state=new,
                                           actor_id=(buyer.id if action in ("place", "cancel", "confirm_receipt")
                                                     else None),
                                           created_at=when))
            previous = new
        if state == "cancelled":
            order.cancel_reason = "Rapat ditunda."
        db.session.flush()
        order.number = f"PKB-{at.year}-{order.id:06d}"
        if state == "completed":
            item = order.items[0]
            if not db.session.execute(db.select(ProductReview.id).where(
                    ProductReview.product_id == item.product_id, ProductReview.buyer_id == buyer.id)).first():
                db.session.add(ProductReview(product_id=item.product_id, buyer_id=buyer.id, order_item_id=item.id,
                                             rating=5, comment="Enak dan tepat waktu. Peserta rapat puas."))
    db.session.flush()
