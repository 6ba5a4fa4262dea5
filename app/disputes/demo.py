"""Demo data after the order: a quote in negotiation (requested from the cart, one offer
made), an open problem report on the demo buyer's delivered order, and a rated store (the
paid department order rated by its PPK). Everything goes through the services, so the
history, notifications and audit entries are the real ones. Idempotent: each is looked up
by its natural key first (the quote by its note, the report by its order, the rating by
its order)."""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import (
    CheckoutAttempt,
    DepartmentPurchase,
    Order,
    ProblemReport,
    Quote,
    StoreMember,
    StoreRating,
    User,
)

QUOTE_NOTE = "Untuk rapat koordinasi Satu Data: 50 paket, mohon harga grosir."
PURCHASER = "dian.puspita@pontianak.go.id"
APPROVER = "rahmat.hidayat@pontianak.go.id"
BUYER = "budi.santoso@pontianak.go.id"


def _user(email):
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


def _seller_of(store_id):
    return db.session.execute(
        db.select(User).join(StoreMember, StoreMember.user_id == User.id)
        .where(StoreMember.store_id == store_id).order_by(StoreMember.id)).scalars().first()


def seed_after_order():
    from app.services import notifications

    with notifications.request_context():
        _quote_in_progress()
        _open_report()
        _rated_store()


def _quote_in_progress():
    from app.orders.demo import _demo_products
    from app.services import cart, quotes

    purchaser = _user(PURCHASER)
    if purchaser is None or db.session.execute(db.select(Quote.id).where(Quote.note == QUOTE_NOTE)).first():
        return
    products = [p for p in _demo_products() if p.stock >= 50 and not p.lead_time_days]
    if not products:
        return
    product = products[0]
    cart.add_item(purchaser, product.id, 50)
    quote = quotes.request_quote(
        purchaser, product.store_id, {product.id: (50, int(product.price * 0.85))}, QUOTE_NOTE,
        clock.today() + timedelta(days=3),
        {"kode_rup": "48123470", "kode_rekening": "5.1.02.01.01.0024", "purpose": "Rapat koordinasi Satu Data",
         "delivery_address": f"{purchaser.department.name}, {purchaser.department.address}",
         "requested_date": clock.today() + timedelta(days=6), "time_window": "10-12", "contact_phone": ""})
    seller = _seller_of(product.store_id)
    if seller is not None:
        quotes.make_offer(seller, quote.id, {quote.lines[0].id: int(product.price * 0.92)},
                          clock.today() + timedelta(days=5), "Harga khusus untuk 100 kotak; ongkos kirim gratis.")


def _open_report():
    from app.services import problem_reports

    buyer = _user(BUYER)
    if buyer is None:
        return
    order = db.session.execute(
        db.select(Order).join(CheckoutAttempt, CheckoutAttempt.id == Order.checkout_attempt_id)
        .where(CheckoutAttempt.idempotency_key == "demo-order-0003-delivered", Order.buyer_id == buyer.id)
    ).scalar_one_or_none()
    if order is None or order.state != "delivered":
        return
    if db.session.execute(db.select(ProblemReport.id).where(ProblemReport.order_id == order.id)).first():
        return
    item = order.items[0]
    rejected = 1 if item.quantity > 1 else 0
    problem_reports.report_problem(buyer, order.id, "damaged",
                                   "Satu kemasan penyok dan bocor saat diterima di kantor.",
                                   {item.id: (item.quantity, item.quantity - rejected)} if rejected else {})


def _rated_store():
    from app.services import store_ratings

    approver = _user(APPROVER)
    if approver is None:
        return
    purchase = db.session.execute(
        db.select(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
        .join(CheckoutAttempt, CheckoutAttempt.id == Order.checkout_attempt_id)
        .where(CheckoutAttempt.idempotency_key == "demo-department-0006-paid")
    ).scalar_one_or_none()
    if purchase is None or purchase.order.payment_state != "paid":
        return
    if db.session.execute(db.select(StoreRating.id).where(StoreRating.order_id == purchase.order_id)).first():
        return
    store_ratings.rate_store(approver, purchase.order_id,
                             {"quality": 4, "timeliness": 3, "quantity": 4, "service": 4},
                             "Barang sesuai pesanan, datang 30 menit sebelum rapat.")
