"""Demo rows of the incubator programme: mentors on the demo cohorts, sessions with agreed
actions (one done, one overdue), a training two store members attended (with certificates),
and a startup whose sales, permits, training and actions meet the graduation criteria, ready
for its mentor to recommend. Idempotent: each row is looked up by its natural key first."""
from datetime import time, timedelta

from app import clock
from app.extensions import db
from app.models import (
    CheckoutAttempt,
    Cohort,
    CohortMentor,
    MentoringSession,
    Order,
    OrderEvent,
    OrderItem,
    Product,
    SessionAction,
    Store,
    StoreMember,
    TrainingEvent,
    TrainingInvitation,
    TrainingRegistration,
    User,
)
from app.services.incubator.training import certificate_number, local_start
from app.services.procurement import document_code

MENTORS = {"Angkatan 2025": ("mentor.rina@inkubator.test", "mentor.yusuf@inkubator.test"),
           "Angkatan 2026": ("mentor.yusuf@inkubator.test",)}
READY_STORE = "insang-khatulistiwa"
TRAINING = "Copywriting untuk Marketplace"
BUYER = "budi.santoso@pontianak.go.id"


def _user(email):
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


def _store(slug):
    return db.session.execute(db.select(Store).where(Store.slug == slug)).scalar_one_or_none()


def seed_programme():
    cohorts = {c.name: c for c in db.session.execute(db.select(Cohort)).scalars()}
    if not cohorts:
        return  # the stores' demo data is not there
    for name, emails in MENTORS.items():
        cohort = cohorts.get(name)
        for email in emails:
            mentor = _user(email)
            if cohort is None or mentor is None:
                continue
            if db.session.get(CohortMentor, (cohort.id, mentor.id)) is None:
                db.session.add(CohortMentor(cohort_id=cohort.id, mentor_id=mentor.id))
    db.session.flush()
    today = clock.today()
    mentor = _user("mentor.rina@inkubator.test")
    for slug, days_ago, topics, notes, actions in (
        ("kopi-aming", 21, ["product", "copywriting"],
         "Kemasan sachet perlu label komposisi dan tanggal kedaluwarsa. Foto produk diambil ulang dengan cahaya siang.",
         [("Foto ulang 5 produk dengan latar putih", 7, "store", True), ("Ajukan label halal untuk kopi sachet", 14,
                                                                          "store", False)]),
        (READY_STORE, 40, ["marketing", "pricing"],
         "Harga kain tenun disesuaikan dengan biaya benang; paket seragam untuk dinas disiapkan.",
         [("Buat paket 10 syal untuk pembelian dinas", 10, "store", True)]),
    ):
        store = _store(slug)
        if store is None or mentor is None or store.cohort_id is None:
            continue
        held_on = today - timedelta(days=days_ago)
        if db.session.execute(db.select(MentoringSession.id).where(
                MentoringSession.store_id == store.id, MentoringSession.held_on == held_on)).first():
            continue
        session = MentoringSession(store_id=store.id, cohort_id=store.cohort_id, mentor_id=mentor.id,
                                   held_on=held_on, minutes=60, topics=topics, notes=notes)
        for title, due_in, owner, done in actions:
            due_on = held_on + timedelta(days=due_in)
            session.actions.append(SessionAction(
                store_id=store.id, title=title, owner=owner, due_on=due_on,
                done_on=due_on - timedelta(days=2) if done else None,
                done_at=local_start(due_on - timedelta(days=2), time(10)) if done else None))
        db.session.add(session)
    _training(cohorts, today)
    _ready_sales()
    db.session.flush()


def _training(cohorts, today):
    admin = _user("admin@pontianak.go.id")
    event = db.session.execute(db.select(TrainingEvent).where(TrainingEvent.title == TRAINING)).scalar_one_or_none()
    if event is None:
        event = TrainingEvent(title=TRAINING, topic="copywriting",
                              starts_at=local_start(today - timedelta(days=12), time(9)), minutes=180,
                              place="Aula Bappeda Kota Pontianak, Jl. Rahadi Usman No. 3", capacity=30,
                              created_by_id=admin.id if admin else None)
        for cohort in cohorts.values():
            event.invitations.append(TrainingInvitation(cohort_id=cohort.id))
        db.session.add(event)
        db.session.flush()
    for email in ("kopi.aming@umkm.test", "insang.khatulistiwa@umkm.test"):
        user = _user(email)
        member = db.session.execute(db.select(StoreMember).where(StoreMember.user_id == user.id)).scalar_one_or_none() \
            if user else None
        if member is None or db.session.execute(db.select(TrainingRegistration.id).where(
                TrainingRegistration.training_id == event.id, TrainingRegistration.user_id == user.id)).first():
            continue
        registration = TrainingRegistration(training_id=event.id, user_id=user.id, store_id=member.store_id,
                                            registered_at=event.starts_at - timedelta(days=5))
        db.session.add(registration)
        db.session.flush()
        number = certificate_number(event, registration)
        registration.attended_at = event.starts_at + timedelta(minutes=10)
        registration.recorded_by_id = admin.id if admin else None
        registration.certificate_number, registration.certificate_code = number, document_code("certificate", number)


def _ready_sales():
    """Four months of completed sales for the startup that is ready to graduate."""
    store, buyer = _store(READY_STORE), _user(BUYER)
    if store is None or buyer is None:
        return
    product = db.session.execute(db.select(Product).where(Product.store_id == store.id)
                                 .order_by(Product.price.desc()).limit(1)).scalar_one_or_none()
    if product is None:
        return
    now = clock.now()
    for month in range(4):
        key = f"demo-programme-sale-{month}"
        if db.session.execute(db.select(CheckoutAttempt.id).where(
                CheckoutAttempt.buyer_id == buyer.id, CheckoutAttempt.idempotency_key == key)).first():
            continue
        at = now - timedelta(days=20 + 30 * month)
        quantity = max(1, -(-1_600_000 // max(product.price, 1)))
        total = product.price * quantity
        attempt = CheckoutAttempt(buyer_id=buyer.id, idempotency_key=key, payment_method="cod", created_at=at,
                                  total=total)
        order = Order(buyer_id=buyer.id, store_id=store.id, checkout_attempt=attempt, state="completed",
                      payment_method="cod", payment_state="paid", delivery_method="office",
                      delivery_address="Pontianak", requested_date=(at + timedelta(days=1)).date(),
                      time_window="10-12", created_at=at, placed_at=at, completed_at=at + timedelta(days=2),
                      payment_kind="cash", payment_amount=total, paid_at=at + timedelta(days=1))
        order.items.append(OrderItem(product_id=product.id, name=product.name, unit=product.unit,
                                     unit_price=product.price, quantity=quantity, line_total=total))
        order.subtotal = order.total = total
        order.events.append(OrderEvent(action="place", from_state=None, to_state="placed", actor_id=buyer.id,
                                       created_at=at))
        order.events.append(OrderEvent(action="confirm_receipt", from_state="delivered", to_state="completed",
                                       actor_id=buyer.id, created_at=at + timedelta(days=2)))
        db.session.add(attempt)
        db.session.flush()
        order.number = f"PKB-{at.year}-{order.id:06d}"
