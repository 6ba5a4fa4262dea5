"""Demo data for department purchases: a purchaser and an approver in two departments,
the national holidays, and one department order at each stage of its way: awaiting
approval, approved (the store's to accept), refused, delivered (the handover to confirm),
invoiced (the treasury's to pay) and paid. Only the placing is written here; every later
step goes through the services (approve_order, the store's moves, confirm_bast,
record_treasury_payment), so the documents, notifications and audit entries are the
real ones. Idempotent: people and roles by natural key, each order by its checkout's
idempotency key."""
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
    StoreMember,
    User,
)

# (department code, purchaser e-mail, approver e-mail, approver name)
TEAMS = [
    ("DISKOMINFO", "dian.puspita@pontianak.go.id", "rahmat.hidayat@pontianak.go.id", "Rahmat Hidayat"),
    ("BAPPEDA", "ayu.pratiwi@pontianak.go.id", "sri.wahyuni@pontianak.go.id", "Sri Wahyuni"),
]
ADMIN = "admin@pontianak.go.id"
STEP = timedelta(hours=22)
# (idempotency key, steps after placing, purpose, kode RUP, kode rekening)
SCENARIOS = [
    ("demo-department-0001", [], "Rapat koordinasi Satu Data Kota Pontianak", "48123456", "5.1.02.01.01.0024"),
    ("demo-department-0002-approved", ["approve"], "Cendera mata tamu kunjungan kerja Diskominfo Sambas",
     "48123457", "5.1.02.01.01.0026"),
    ("demo-department-0003-refused", ["refuse"], "Konsumsi bimbingan teknis website kelurahan", "48123458",
     "5.1.02.01.01.0024"),
    ("demo-department-0004-delivered", ["approve", "accept", "mark_ready", "mark_delivered"],
     "Rapat evaluasi SPBE triwulan IV", "48123459", "5.1.02.01.01.0024"),
    ("demo-department-0005-invoiced", ["approve", "accept", "mark_ready", "mark_delivered", "confirm_bast"],
     "Bingkisan narasumber Forum Kota Cerdas", "48123460", "5.1.02.01.01.0026"),
    ("demo-department-0006-paid", ["approve", "accept", "mark_ready", "mark_delivered", "confirm_bast", "pay"],
     "Rapat kerja penyusunan Renja 2027", "48123461", "5.1.02.01.01.0024"),
]


def _role(user, department, role):
    exists = db.session.execute(
        db.select(DepartmentRole.id).where(DepartmentRole.user_id == user.id,
                                           DepartmentRole.department_id == department.id,
                                           DepartmentRole.role == role)
    ).first()
    if not exists:
        db.session.add(DepartmentRole(user_id=user.id, department_id=department.id, role=role,
                                      granted_at=clock.now()))


def _user(email):
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


def seed_department_demo():
    from app.demo import _person
    from app.orders.demo import _demo_products
    from app.services.procurement import seed_national_holidays

    from app.procurement.tax_demo import seed_tax_demo

    seed_national_holidays()
    for code, *_rest in TEAMS:
        _seed_letterhead(code)
    # The tax first (rules, treasurer, a PKP caterer): the orders walked to their invoice carry it.
    seed_tax_demo()
    team = None
    for code, purchaser_email, approver_email, approver_name in TEAMS:
        department = db.session.execute(db.select(Department).where(Department.code == code)).scalar_one_or_none()
        purchaser = _user(purchaser_email)
        if department is None or purchaser is None:
            continue
        approver = _person(approver_email, approver_name, ("buyer",), department)
        db.session.flush()
        _role(purchaser, department, "purchaser")
        _role(approver, department, "approver")
        team = team or (purchaser, approver)
    db.session.flush()
    if team is None:
        return
    # Products a department buys in tens (no catering lead time to mind), several stores.
    products = [p for p in _demo_products() if p.stock >= 30 and not p.lead_time_days]
    if not products:
        return
    purchaser, approver = team
    for index, (key, steps, purpose, kode_rup, kode_rekening) in enumerate(SCENARIOS):
        if db.session.execute(
                db.select(CheckoutAttempt.id).where(CheckoutAttempt.idempotency_key == key)).first():
            continue
        product = products[(index * 5) % len(products)]
        # Placed some days ago, one step a day after (the clock is moved back, then forward
        # again by exactly as much), so the history and the documents read like real work.
        moved = [-timedelta(days=len(steps), hours=3)]  # every move of the clock, undone below
        clock.travel(moved[0])
        try:
            order = _place(purchaser, product, key, {"kode_rup": kode_rup, "kode_rekening": kode_rekening,
                                                     "purpose": purpose})
            db.session.commit()  # the services below each start from a committed order
            _walk(order.id, steps, purchaser, approver, product.store_id, moved)
        finally:
            clock.travel(-sum(moved, timedelta(0)))
    _seed_tax_invoice(purchaser, approver)


# The demo departments' kop surat: postcode, phone and e-mail of the office (demo values).
LETTERHEADS = {
    "BAPPEDA": ("78121", "(0561) 732211", "bappeda@pontianak.go.id"),
    "DISKOMINFO": ("78121", "(0561) 733041", "diskominfo@pontianak.go.id"),
}


def _demo_logo() -> bytes:
    """A made-up emblem drawn at seed time (no picture in the repository): a shield in the
    city's yellow and green with the equator line across it."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 280), "white")
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (220, 20), (220, 160), (120, 265), (20, 160)], fill=(250, 200, 30),
                 outline=(20, 110, 60), width=10)
    draw.ellipse((70, 60, 170, 160), fill=(20, 110, 60))
    draw.rectangle((30, 104, 210, 116), fill=(200, 30, 40))  # the equator
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _seed_letterhead(code):
    """Give a demo department its letterhead and logo once, through the same image checks
    as an admin's upload; the version is dated before the demo's orders."""
    from app.models import DepartmentLetterhead
    from app.services import images
    from app.services.images import Upload

    department = db.session.execute(db.select(Department).where(Department.code == code)).scalar_one_or_none()
    if department is None or department.logo_key or code not in LETTERHEADS:
        return
    department.postcode, department.phone, department.email = LETTERHEADS[code]
    db.session.flush()
    department.logo_key, _processed = images.store_image(f"public/departments/{department.id}",
                                                         Upload(_demo_logo(), "logo.png", "image/png"))
    db.session.add(DepartmentLetterhead(
        department_id=department.id, parent=department.letterhead_parent, name=department.name,
        address=department.address, postcode=department.postcode, phone=department.phone, email=department.email,
        logo_key=department.logo_key, created_at=clock.now() - timedelta(days=60)))


# An invoice with tax for the treasurer's desk: nasi kotak from the PKP caterer (catering,
# PBJT in the price, PPh 23 withheld); the handover is confirmed, the payment is due.
TAX_SCENARIO = ("demo-department-0007-tax", "Nasi Kotak Ayam Bakar", 30, "Rapat kerja Satu Data 2027",
                "48123470", "5.1.02.01.01.0024")


def _seed_tax_invoice(purchaser, approver):
    from app.models import Product

    key, name, quantity, purpose, kode_rup, kode_rekening = TAX_SCENARIO
    if db.session.execute(db.select(CheckoutAttempt.id).where(CheckoutAttempt.idempotency_key == key)).first():
        return
    product = db.session.execute(db.select(Product).where(Product.name == name)).scalars().first()
    if product is None or product.stock < quantity:
        return
    steps = ["approve", "accept", "mark_ready", "mark_delivered", "confirm_bast"]
    moved = [-timedelta(days=len(steps), hours=3)]
    clock.travel(moved[0])
    try:
        order = _place(purchaser, product, key, {"kode_rup": kode_rup, "kode_rekening": kode_rekening,
                                                 "purpose": purpose}, quantity=quantity)
        db.session.commit()
        _walk(order.id, steps, purchaser, approver, product.store_id, moved)
    finally:
        clock.travel(-sum(moved, timedelta(0)))


def _place(purchaser, product, key, data, quantity=None):
    """A department order awaiting approval, as checkout leaves it (stock held)."""
    quantity = quantity or max(product.min_order, 10)
    total = product.price * quantity
    attempt = CheckoutAttempt(buyer_id=purchaser.id, idempotency_key=key, payment_method="department",
                              total=total, payment_data=data)
    department = purchaser.department
    order = Order(buyer_id=purchaser.id, store_id=product.store_id, checkout_attempt=attempt,
                  state="awaiting_approval", payment_method="department", payment_state="due",
                  delivery_method="office", delivery_address=f"{department.name}\n{department.address}",
                  requested_date=clock.today() + timedelta(days=3), time_window="10-12",
                  subtotal=total, total=total)
    order.items.append(OrderItem(product_id=product.id, name=product.name, unit=product.unit,
                                 unit_price=product.price, quantity=quantity, line_total=total))
    order.events.append(OrderEvent(action="place", from_state=None, to_state="awaiting_approval",
                                   actor_id=purchaser.id))
    product.stock -= quantity
    product.sold_count += quantity
    db.session.add(attempt)
    db.session.flush()
    order.number = f"PKB-{clock.local_now().year}-{order.id:06d}"
    db.session.add(DepartmentPurchase(order=order, department_id=department.id, requester_id=purchaser.id,
                                      requested_at=clock.now(), **data))
    db.session.flush()
    return order


def _walk(order_id, steps, purchaser, approver, store_id, moved):
    from app.services import notifications, orders, procurement

    with notifications.request_context():  # the services' e-mails and links read one
        _steps(order_id, steps, purchaser, approver, store_id, orders, procurement, moved)


def _steps(order_id, steps, purchaser, approver, store_id, orders, procurement, moved):
    seller = db.session.execute(
        db.select(User).join(StoreMember, StoreMember.user_id == User.id)
        .where(StoreMember.store_id == store_id).order_by(StoreMember.id)).scalars().first()
    admin = _user(ADMIN)
    for step in steps:
        clock.travel(STEP)
        moved.append(STEP)
        if step == "approve":
            procurement.approve_order(approver, order_id, "Sesuai DPA; silakan diproses.")
        elif step == "refuse":
            procurement.refuse_order(approver, order_id, "Anggaran kegiatan ini dialihkan; ajukan lagi bulan depan.")
        elif step in ("accept", "mark_ready", "mark_delivered"):
            getattr(orders, {"accept": "accept_order"}.get(step, step))(seller, order_id)
        elif step == "confirm_bast":
            procurement.confirm_bast(purchaser, order_id)
        elif step == "pay" and admin is not None:
            purchase = db.session.execute(
                db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order_id)).scalar_one()
            withheld = bool(purchase.tax_withheld)
            procurement.record_treasury_payment(
                admin, order_id, clock.today(), procurement.amount_due(purchase),
                f"SP2D {order_id:05d}/LS/{clock.local_now().year}",
                slip=f"BP-{order_id:05d}/{clock.local_now().year}" if withheld else "",
                ntpn=f"{order_id:016d}"[-16:] if withheld else "")
