"""Demo data for department purchases: a purchaser and an approver in two departments,
the national holidays, and one department order awaiting approval. Idempotent: people
and roles are looked up by natural key, the order by its checkout's idempotency key."""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import (
    CheckoutAttempt,
    Department,
    DepartmentPurchase,
    DepartmentRole,
    Order,
    OrderEvent,
    OrderItem,
    User,
)

# (department code, purchaser e-mail, approver e-mail, approver name)
TEAMS = [
    ("DISKOMINFO", "budi.santoso@pontianak.go.id", "rahmat.hidayat@pontianak.go.id", "Rahmat Hidayat"),
    ("BAPPEDA", "ayu.pratiwi@pontianak.go.id", "sri.wahyuni@pontianak.go.id", "Sri Wahyuni"),
]
DEMO_KEY = "demo-department-0001"


def _role(user, department, role):
    exists = db.session.execute(
        db.select(DepartmentRole.id).where(DepartmentRole.user_id == user.id,
                                           DepartmentRole.department_id == department.id,
                                           DepartmentRole.role == role)
    ).first()
    if not exists:
        db.session.add(DepartmentRole(user_id=user.id, department_id=department.id, role=role,
                                      granted_at=clock.now()))


def seed_department_demo():
    from app.demo import _person
    from app.orders.demo import _demo_products
    from app.services.procurement import seed_national_holidays

    seed_national_holidays()
    purchaser = None
    for code, purchaser_email, approver_email, approver_name in TEAMS:
        department = db.session.execute(db.select(Department).where(Department.code == code)).scalar_one_or_none()
        buyer = db.session.execute(db.select(User).where(User.email == purchaser_email)).scalar_one_or_none()
        if department is None or buyer is None:
            continue
        approver = _person(approver_email, approver_name, ("buyer",), department)
        db.session.flush()
        _role(buyer, department, "purchaser")
        _role(approver, department, "approver")
        purchaser = purchaser or buyer
    db.session.flush()
    if purchaser is None or db.session.execute(
            db.select(CheckoutAttempt.id).where(CheckoutAttempt.idempotency_key == DEMO_KEY)).first():
        return
    products = [p for p in _demo_products() if p.stock >= 20]
    if not products:
        return
    product = products[0]
    quantity = max(product.min_order, 10)
    now = clock.now()
    data = {"kode_rup": "48123456", "kode_rekening": "5.1.02.01.01.0024",
            "purpose": "Rapat koordinasi Satu Data Kota Pontianak"}
    attempt = CheckoutAttempt(buyer_id=purchaser.id, idempotency_key=DEMO_KEY, payment_method="department",
                              total=product.price * quantity, payment_data=data)
    department = purchaser.department
    order = Order(buyer_id=purchaser.id, store_id=product.store_id, checkout_attempt=attempt,
                  state="awaiting_approval", payment_method="department", payment_state="due",
                  delivery_method="office", delivery_address=f"{department.name}\n{department.address}",
                  requested_date=clock.today() + timedelta(days=3), time_window="10-12",
                  subtotal=product.price * quantity, total=product.price * quantity)
    order.items.append(OrderItem(product_id=product.id, name=product.name, unit=product.unit,
                                 unit_price=product.price, quantity=quantity, line_total=product.price * quantity))
    order.events.append(OrderEvent(action="place", from_state=None, to_state="awaiting_approval",
                                   actor_id=purchaser.id))
    product.stock -= quantity  # held while it waits for approval
    product.sold_count += quantity
    db.session.add(attempt)
    db.session.flush()
    order.number = f"PKB-{clock.local_now().year}-{order.id:06d}"
    db.session.add(DepartmentPurchase(order=order, department_id=department.id, requester_id=purchaser.id,
                                      requested_at=now, **data))
    db.session.flush()
