"""Walk every rule of the URL map as each role (shared by the authorization and CSP tests).

One app and one database for the whole module: a small world of objects that belong to
SOMEONE ELSE (another buyer's order, another seller's store and product, a store another
mentor looks after, another department's purchase), four logged-in clients (buyer,
seller, mentor, admin) who each own their own things, and an anonymous client. Routes
about an owned object are filled with the other person's object, so the owner checks run.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from app import clock
from app.extensions import db
from tests.conftest import PASSWORD, make_app, release_app

ROLES = ("anonymous", "buyer", "seller", "mentor", "admin")


@dataclass
class Walk:
    app: object
    clients: dict
    world: dict
    urls: dict = field(default_factory=dict)  # rule text -> url
    rules: dict = field(default_factory=dict)  # rule text -> werkzeug Rule
    get: dict = field(default_factory=dict)  # (rule text, role) -> response


def _after_order_world(w, order_item):
    """Someone else's problem report (with a photo) and quote (issue 18)."""
    from app.models import ProblemReport, ProblemReportLine, ProblemReportPhoto, Quote, QuoteLine

    report = ProblemReport(order_id=order_item.order_id, reporter_id=w.buyer_x.id, reason="damaged",
                           statement="Pecah", refund_amount=order_item.unit_price)
    report.lines.append(ProblemReportLine(order_item_id=order_item.id, received_quantity=order_item.quantity,
                                          accepted_quantity=order_item.quantity - 1))
    photo = ProblemReportPhoto(side="buyer", key=f"private/reports/{order_item.order_id}/walk")
    report.photos.append(photo)
    quote = Quote(buyer_id=w.purchaser_a.id, department_id=w.dept_a.id, store_id=w.kopi_store.id, state="requested",
                  answer_by=clock.today() + timedelta(days=3), number="RFQ-WALK-000001",
                  order_data={"kode_rup": "48123456"})
    quote.lines.append(QuoteLine(name="Kopi", unit="pcs", list_price=25000, quantity=10, requested_price=20000))
    db.session.add_all([report, quote])
    db.session.flush()
    return report, photo, quote


def _build_world(factories):
    """The objects the converters are filled with, by converter name."""
    from app.models import (
        Cart,
        CartItem,
        CheckoutAttempt,
        Notification,
        OrderItem,
        Payout,
        PayoutBatch,
        ProductReview,
        PublicHoliday,
        StoreMember,
    )
    from app.services import reports
    from app.storage import get_storage
    from tests.dashboard_helpers import build_world

    f = factories
    w = build_world(f)
    # The acting users: each owns their own things, none owns the world's objects.
    buyer = f.BuyerFactory(full_name="Pembeli Walk")  # buys and approves for their own department
    f.department_role(buyer, "purchaser")
    f.department_role(buyer, "approver")
    mentor = f.MentorFactory(full_name="Mentor Walk")
    seller = f.SellerFactory(full_name="Penjual Walk")
    own_store = f.StoreFactory(created_by=seller, mentor=mentor, verified=True, name="Toko Walk")
    f.ProductFactory(live=True, store=own_store)
    # Someone else's objects.
    live = f.ProductFactory(live=True, store=w.kopi_store, name="Kopi Hidup")
    order = w.orders["o2"]  # buyer_x's card order at the kopi store, placed
    attempt = CheckoutAttempt(buyer_id=w.buyer_x.id, idempotency_key="walk-key", payment_method="card",
                              total=order.total)
    db.session.add(attempt)
    db.session.flush()
    order.checkout_attempt_id = attempt.id
    cart = Cart(user_id=w.buyer_x.id)
    db.session.add(cart)
    db.session.flush()
    cart_item = CartItem(cart_id=cart.id, product_id=live.id, quantity=1, price_seen=live.price)
    db.session.add(cart_item)
    order_item = db.session.execute(db.select(OrderItem).where(OrderItem.order_id == w.orders["o1"].id)).scalar()
    review = db.session.execute(db.select(ProductReview).where(ProductReview.buyer_id == w.buyer_x.id)).scalar()
    notification = Notification(user_id=w.buyer_x.id, kind="order_placed", params={}, link="/orders/")
    holiday = PublicHoliday(day=date(clock.today().year + 1, 8, 17), name="Hari Kemerdekaan")
    batch = PayoutBatch(period_start=clock.today() - timedelta(days=7), period_end=clock.today(),
                        created_by_id=w.admin.id)
    db.session.add_all([notification, holiday, batch])
    db.session.flush()
    payout = Payout(batch_id=batch.id, store_id=w.kopi_store.id, amount=80000, reference="PO-WALK-1")
    db.session.add(payout)
    document = f.DocumentFactory(store=w.kopi_store, kind="nib", number="NIB-KOPI-WALK",
                                 file_key="private/documents/walk.pdf")
    member = db.session.execute(db.select(StoreMember).where(StoreMember.store_id == w.kopi_store.id)).scalar()
    invitation = f.InvitationFactory(invited_by=w.admin)
    from app.models import DepartmentRole, OutboxMessage

    message = OutboxMessage(to="someone@example.test", subject="Halo", body_text="Halo")
    db.session.add(message)
    role = db.session.execute(db.select(DepartmentRole).where(DepartmentRole.user_id == w.approver_a.id)).scalar()
    category = f.CategoryFactory()
    from app.services import sessions

    other_session = sessions.start_session(w.buyer_x, user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/120.0")
    report, photo, quote = _after_order_world(w, order_item)
    # Another buyer's question and shopping list (with a line and a share).
    from app.models import ProductQuestion, ShoppingList, ShoppingListItem, ShoppingListShare

    question = ProductQuestion(product_id=live.id, store_id=live.store_id, asker_id=w.buyer_x.id, body="Walk?",
                               state="open", answer="", hidden_reason="")
    shopping_list = ShoppingList(owner_id=w.buyer_x.id, name="Walk list")
    db.session.add_all([question, shopping_list])
    db.session.flush()
    list_line = ShoppingListItem(list_id=shopping_list.id, product_id=live.id, quantity=1, added_by_id=w.buyer_x.id)
    list_share = ShoppingListShare(list_id=shopping_list.id, user_id=w.purchaser_a.id, can_edit=False)
    db.session.add_all([list_line, list_share])
    db.session.commit()
    get_storage().save(f"{photo.key}/thumb.webp", b"RIFF walk")
    programme = _programme_world(w)
    get_storage().save("public/walk/picture.txt", b"picture")
    get_storage().save("private/documents/walk.pdf", b"%PDF-1.4 walk")
    values = {
        "product_id": live.id, "slug": live.slug, "order_id": order.id, "checkout_id": attempt.id,
        "item_id": cart_item.id, "notification_id": notification.id, "holiday_id": holiday.id,
        "batch_id": batch.id, "payout_id": payout.id, "document_id": document.id, "member_id": member.id,
        "invitation_id": invitation.id, "message_id": message.id, "role_id": role.id, "category_id": category.id,
        "store_id": w.kopi_store.id, "department_id": w.dept_a.id, "review_id": review.id,
        "session_id": other_session.id, "user_id": w.buyer_x.id, "variant_id": live.variants[0].id,
        "question_id": question.id, "list_id": shopping_list.id, "line_id": list_line.id, "share_id": list_share.id,
        **programme,
        "token": "not-a-real-token", "code": "ABCDEFGHJK", "key": "public/walk/picture.txt", "fmt": "csv",
        "kind": "sp", "action": "x", "filename": "css/app.css",
        "report_id": report.id, "photo_id": photo.id, "variant": "thumb", "quote_id": quote.id,
    }
    per_endpoint = {
        # another buyer's order item (for a product review), not a cart item
        "orders.review": {"item_id": order_item.id},
        # another department's purchase
        "procurement.purchase": {"order_id": w.orders["o3"].id},
        "procurement.document": {"order_id": w.orders["o3"].id},
        "procurement.approve": {"order_id": w.orders["o3"].id},
        "procurement.refuse": {"order_id": w.orders["o3"].id},
        "procurement.confirm_bast": {"order_id": w.orders["o3"].id},
        "procurement.treasury_payment": {"order_id": w.orders["o3"].id},
        "procurement.rate_store": {"order_id": w.orders["o3"].id},
        "finance.refund": {"order_id": w.orders["o2"].id},
        "catalog.store": {"slug": w.kopi_store.slug},
        "dashboards.admin_export": {"key": next(iter(reports.ADMIN_TABLES))},
        "dashboards.mentor_export": {"key": reports.MENTOR_KEYS[0]},
        "dashboards.seller_export": {"key": reports.SELLER_KEYS[0]},
        "dashboards.department_export": {"key": next(iter(reports.DEPARTMENT_KEYS))},
        "mentor.store_action": {"action": "verify"},
        "mentor.document_action": {"action": "validate"},
        "seller.image_action": {"action": "cover"},
        "incubator.report_export": {"key": "startups"},
        "incubator.report_download": {"fmt": "xlsx"},
    }
    users = {"buyer": buyer.email, "seller": seller.email, "mentor": mentor.email, "admin": w.admin.email}
    # The people the world's objects belong to: acting as them, a route gets past its owner check.
    owners = {"buyer": w.buyer_x.email, "purchaser": w.purchaser_a.email, "approver": w.approver_a.email,
              "seller": w.kopi_seller.email, "mentor": w.mentor1.email, "admin": w.admin.email}
    return values, per_endpoint, users, owners


def _programme_world(w):
    """The incubator's objects, all of the kopi store (Angkatan 2025, coached by mentor1 only):
    a session and its action, a training its owner attended, a self-report, a graduation with
    its check-ins."""
    from app.models import (CohortMentor, GraduationCase, GraduationCheckin, MentoringSession, SelfReport,
                            SessionAction, TrainingEvent, TrainingInvitation, TrainingRegistration)
    from tests.factories import store_owner

    store, now, today = w.kopi_store, clock.now(), clock.today()
    db.session.add(CohortMentor(cohort_id=store.cohort_id, mentor_id=w.mentor1.id))
    visit = MentoringSession(store_id=store.id, cohort_id=store.cohort_id, mentor_id=w.mentor1.id,
                             held_on=today, minutes=45, topics=["permits"], notes="Catatan mentor")
    visit.actions.append(SessionAction(store_id=store.id, title="Urus PIRT", due_on=today + timedelta(days=7)))
    event = TrainingEvent(title="Pelatihan walk", topic="design", starts_at=now - timedelta(days=1), capacity=10)
    event.invitations.append(TrainingInvitation(cohort_id=store.cohort_id))
    db.session.add_all([visit, event])
    db.session.flush()
    registration = TrainingRegistration(training_id=event.id, user_id=store_owner(store).id, store_id=store.id,
                                        attended_at=now, certificate_number="SERT/WALK/1",
                                        certificate_code="ABCDEFGHJK")
    report = SelfReport(store_id=store.id, month=today.replace(day=1), employees=2, outside_sales=0,
                        submitted_by_id=store_owner(store).id)
    case = GraduationCase(store_id=store.id, cohort_id=store.cohort_id, state="graduated",
                          recommended_by_id=w.mentor1.id, decided_by_id=w.admin.id, decided_at=now, reason="Lulus",
                          letter_number="LULUS/WALK/1", letter_code="KLMNPQRSTU")
    db.session.add_all([registration, report, case])
    db.session.flush()
    checkin = GraduationCheckin(case_id=case.id, months=3, due_on=today)
    db.session.add(checkin)
    db.session.commit()
    return {"cohort_id": store.cohort_id, "mentor_id": w.mentor1.id, "visit_id": visit.id,
            "action_id": visit.actions[0].id, "training_id": event.id, "registration_id": registration.id,
            "case_id": case.id, "report_id": report.id, "checkin_id": checkin.id}


def url_args(rule, values, per_endpoint):
    chosen = per_endpoint.get(rule.endpoint, {})
    return {name: chosen.get(name, values.get(name)) for name in rule.arguments}


def logged_in_client(app, email, client=None):
    client = client or app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return client


def summary(response):
    """What a user gets, in the table's words: a status code, or 'login' for a redirect to log in."""
    if response.status_code in (301, 302, 303) and "/auth/login" in (response.location or ""):
        return "login"
    return response.status_code


def role_clients(app, emails):
    """A test client per role, logged in as the role's user; "anonymous" logged in as nobody."""
    clients = {"anonymous": app.test_client()}
    for role, email in emails.items():
        clients[role] = logged_in_client(app, email)
    return clients


@pytest.fixture(scope="module", name="walk")
def walk_fixture(tmp_path_factory, pg_schema):
    """Import ``walk_fixture`` into a test module to get the ``walk`` fixture (one per module)."""
    path = tmp_path_factory.mktemp("walk")
    app = make_app(path, pg_schema)
    try:
        with app.app_context():
            from tests import factories

            values, per_endpoint, users, _owners = _build_world(factories)
        clients = role_clients(app, users)
        result = Walk(app, clients, {"values": values, "per_endpoint": per_endpoint})
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            result.rules[rule.rule] = rule
            result.urls[rule.rule] = rule.build(url_args(rule, values, per_endpoint))[1]
        for key, url in result.urls.items():
            for role in ROLES:
                response = clients[role].get(url)
                response.get_data()  # streamed exports run to the end inside their request
                response.close()
                result.get[(key, role)] = response
        yield result
    finally:
        release_app(app, pg_schema)
