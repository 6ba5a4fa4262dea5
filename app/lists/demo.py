"""Demo shopping lists and a past order to order again: the DISKOMINFO purchaser's monthly
meeting snacks, shared with a colleague (with the aloe vera drink in its 1-litre bottle, a
variant), the office's corak insang shirts in two variants, and last month's completed
snack order (idempotent: looked up by owner and name, and by the checkout's key)."""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import (CheckoutAttempt, Order, OrderEvent, OrderItem, Product, ShoppingList, ShoppingListItem,
                        ShoppingListShare, User)

OWNER = "dian.puspita@pontianak.go.id"
COLLEAGUE = "budi.santoso@pontianak.go.id"
LIST_NAME = "Snack rapat bulanan"
LIST_ITEMS = [("Snack Box Rapat isi 3 kue", 40), ("Amplang Ikan Tenggiri 200 g", 10), ("Bingke Berendam Original", 8)]
# Variants: after the variants' demo data (app.seller.demo) has given these products options.
LIST_VARIANTS = {LIST_NAME: [("Minuman Lidah Buaya Botol", "1 liter", 6)],
                 "Seragam batik kantor": [("Kemeja Batik Corak Insang Pria", "M / Merah", 5),
                                          ("Kemeja Batik Corak Insang Pria", "L / Biru", 3)]}
ORDER_KEY = "demo-reorder-snacks-last-month"
ORDER_ITEMS = [("Amplang Ikan Tenggiri 200 g", 20), ("Stik Ikan Tenggiri 150 g", 15), ("Amplang Pedas 200 g", 10)]
PATH = [("place", None, "placed"), ("accept", "placed", "accepted"), ("mark_ready", "accepted", "ready"),
        ("mark_delivered", "ready", "delivered"), ("payment_recorded", "delivered", "delivered"),
        ("confirm_receipt", "delivered", "completed")]
STAMP = {"placed": "placed_at", "accepted": "accepted_at", "ready": "ready_at", "delivered": "delivered_at",
         "completed": "completed_at"}


def _product(name):
    return db.session.execute(db.select(Product).where(Product.name == name)).scalars().first()


def _user(email):
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


def _list_named(owner, name):
    """The owner's list of that name, made when missing: (list, whether it was made now)."""
    shopping_list = db.session.execute(db.select(ShoppingList).where(
        ShoppingList.owner_id == owner.id, ShoppingList.name == name)).scalar_one_or_none()
    if shopping_list is not None:
        return shopping_list, False
    shopping_list = ShoppingList(owner_id=owner.id, name=name)
    db.session.add(shopping_list)
    db.session.flush()
    return shopping_list, True


def seed_lists():
    owner, colleague = _user(OWNER), _user(COLLEAGUE)
    if owner is None:
        return
    shopping_list, made = _list_named(owner, LIST_NAME)
    if made:
        for name, quantity in LIST_ITEMS:
            product = _product(name)
            if product is not None:
                default = product.active_variants[0] if len(product.active_variants) == 1 else None
                db.session.add(ShoppingListItem(list_id=shopping_list.id, product_id=product.id, quantity=quantity,
                                                variant_id=default.id if default is not None and not
                                                product.has_options else None, added_by_id=owner.id))
        if colleague is not None and colleague.department_id == owner.department_id:
            db.session.add(ShoppingListShare(list_id=shopping_list.id, user_id=colleague.id, can_edit=True))
    _last_months_order(owner)
    db.session.flush()


def _last_months_order(owner):
    if db.session.execute(db.select(CheckoutAttempt.id).where(
            CheckoutAttempt.buyer_id == owner.id, CheckoutAttempt.idempotency_key == ORDER_KEY)).first():
        return
    products = [(p, q) for p, q in ((_product(n), q) for n, q in ORDER_ITEMS) if p is not None]
    products = [(p, q) for p, q in products if p.store_id == products[0][0].store_id] if products else []
    if not products:
        return
    at = clock.now() - timedelta(days=31)
    attempt = CheckoutAttempt(buyer_id=owner.id, idempotency_key=ORDER_KEY, payment_method="cod", created_at=at)
    department = owner.department
    order = Order(buyer_id=owner.id, store_id=products[0][0].store_id, checkout_attempt=attempt, state="completed",
                  payment_method="cod", payment_state="paid", delivery_method="office",
                  delivery_address=(department.name + "\n" + department.address) if department else "Pontianak",
                  requested_date=(at + timedelta(days=1)).date(), time_window="08-10",
                  note="Snack rapat koordinasi bulanan.", created_at=at)
    total = 0
    for product, quantity in products:
        # Last month's price: a little lower than today's, so "order again" says what changed.
        price = max(100, product.price - 2000)
        order.items.append(OrderItem(product_id=product.id, name=product.name, unit=product.unit, unit_price=price,
                                     quantity=quantity, line_total=price * quantity))
        total += price * quantity
    order.subtotal = order.total = attempt.total = total
    order.payment_kind, order.payment_amount = "cash", total
    for step, (action, before, after) in enumerate(PATH):
        when = at + timedelta(hours=step * 5)
        if after != before:
            setattr(order, STAMP[after], when)
        order.events.append(OrderEvent(action=action, from_state=before, to_state=after, created_at=when,
                                       actor_id=owner.id if action in ("place", "confirm_receipt") else None))
    order.paid_at = at + timedelta(hours=20)
    db.session.add(attempt)
    db.session.flush()
    order.number = f"PKB-{at.year}-{order.id:06d}"


def seed_list_variants():
    """Lines in a chosen variant (runs last, once the demo products have their options)."""
    owner = _user(OWNER)
    if owner is None:
        return
    for list_name, lines in LIST_VARIANTS.items():
        shopping_list, _made = _list_named(owner, list_name)
        for product_name, variant_name, quantity in lines:
            product = _product(product_name)
            variant = next((v for v in (product.active_variants if product is not None else []) if
                            v.name == variant_name), None)
            if variant is None or db.session.execute(db.select(ShoppingListItem.id).where(
                    ShoppingListItem.list_id == shopping_list.id,
                    ShoppingListItem.variant_id == variant.id)).first():
                continue
            db.session.add(ShoppingListItem(list_id=shopping_list.id, product_id=product.id, variant_id=variant.id,
                                            quantity=quantity, added_by_id=owner.id))
    db.session.flush()
