"""The periodic jobs of issue 9 that features had only as commands or not at all:
auto-complete of delivered orders, hiding products whose document expired (with one
notice per expiry) and the 30-day reminder of expiring documents (once per document)."""
from datetime import timedelta

import pytest

from app import clock, jobs
from app.extensions import db
from app.jobs.runner import job_context
from app.models import AuditEntry, BusinessDocument, Notification, Order, Product, Store, StoreMember
from app.services.listings import refresh_visibility
from tests.conftest import outbox
from tests.factories import store_owner
from tests.order_helpers import add, checkout, orders_of, use_english

NEW_JOBS = {
    "orders-auto-complete": timedelta(minutes=30),
    "documents-hide-expired-products": timedelta(days=1),
    "documents-expiry-reminders": timedelta(days=1),
}


def run(app, name):
    """Run the registered periodic job ``name`` as the scheduler would: its path, no
    arguments, in a job context of its own."""
    job = {p.name: p for p in jobs.periodic_jobs()}[name]
    with job_context(app):
        result = jobs.resolve(job.path)()
    db.session.expire_all()
    return result


def english(*users):
    for user in users:
        user.locale = "en"
    db.session.commit()


def notifications_of(user, kind):
    return db.session.execute(
        db.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).scalars().all()


# --------------------------------------------------------------------- registration


def test_the_jobs_are_registered_and_listed(app, runner):
    registered = {p.name: p for p in jobs.periodic_jobs()}
    for name, every in NEW_JOBS.items():
        assert registered[name].every == every
    assert registered["orders-auto-complete"].path == "app.services.orders:complete_delivered_orders"
    # The ones the other features registered are still there.
    assert {"mail-retry", "payments-expire-unpaid", "department-auto-cancel", "payments-reconcile"} <= set(registered)
    with app.app_context():
        result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    for name in NEW_JOBS:
        assert name in result.output


# --------------------------------------------------------------------- auto-complete


def test_delivered_orders_complete_after_three_days(app, client, auth, factories):
    use_english(client)
    buyer = factories.BuyerFactory(full_name="Ayu Pratiwi")
    product = factories.ProductFactory(live=True, name="Kopi Aming Bubuk", price=45000, stock=10)
    seller = store_owner(product.store)
    english(buyer, seller)
    auth.login(buyer.email)
    add(client, product.id, 2)
    assert checkout(client).status_code == 303
    auth.logout()
    order = orders_of(buyer.id)[0]
    auth.login(seller.email)
    for step in ("accept", "ready", "delivered"):
        assert client.post(f"/sales/{order.id}/{step}").status_code == 303

    clock.travel(days=2, hours=23)
    assert run(app, "orders-auto-complete") == 0
    assert db.session.get(Order, order.id).state == "delivered"

    before = len(outbox(app, to=buyer.email))
    clock.travel(hours=1, minutes=1)
    assert run(app, "orders-auto-complete") == 1
    order = db.session.get(Order, order.id)
    assert order.state == "completed" and order.events[-1].action == "auto_complete"
    assert len(outbox(app, to=buyer.email)) == before + 1
    assert order.number in outbox(app, to=buyer.email)[-1][1]

    # Again: nothing left to do, nothing sent.
    total = len(outbox(app))
    assert run(app, "orders-auto-complete") == 0
    assert len(outbox(app)) == total


# --------------------------------------------------------------------- expired documents hide products


@pytest.fixture
def food_store(factories):
    """A verified store (owner + one member, English) selling two food products that need
    PIRT-IRT and a halal certificate, and one craft that needs nothing; the halal
    certificate expires in 5 days."""
    food = factories.CategoryFactory(food=True)
    craft = factories.CategoryFactory()
    kopi = factories.ProductFactory(live=True, name="Kopi Aming Bubuk", category=food)
    store = kopi.store
    bingka = factories.ProductFactory(live=True, name="Kue Bingka", category=food, store=store)
    tas = factories.ProductFactory(live=True, name="Tas Manik", category=craft, store=store)
    owner = store_owner(store)
    member = factories.SellerFactory(full_name="Rina Member")
    db.session.add(StoreMember(store=store, user=member, role="member"))
    english(owner, member, store.mentor)
    halal = next(d for d in store.documents if d.kind == "halal")
    halal.expires_on = clock.today() + timedelta(days=5)
    refresh_visibility(store)
    db.session.commit()
    assert kopi.listed_until == clock.today() + timedelta(days=5)
    return store, owner, member, (kopi, bingka, tas), halal


def listed(product):
    return db.session.get(Product, product.id).listed


def test_products_of_an_expired_document_are_hidden_and_members_told_once(app, factories, food_store):
    store, owner, member, (kopi, bingka, tas), halal = food_store
    assert run(app, "documents-hide-expired-products") == 0
    clock.travel(days=5)  # the expiry day itself: still valid
    assert run(app, "documents-hide-expired-products") == 0
    assert listed(kopi) and listed(bingka)
    assert outbox(app, to=owner.email) == []

    clock.travel(days=1)
    assert run(app, "documents-hide-expired-products") == 2
    assert not listed(kopi) and not listed(bingka) and listed(tas)
    for person in (owner, member):
        mails = outbox(app, to=person.email)
        assert len(mails) == 1  # one e-mail for both products
        _to, subject, body = mails[0]
        assert subject == "2 products hidden from buyers"
        assert "Kopi Aming Bubuk" in body and "Kue Bingka" in body and "Tas Manik" not in body
        assert "Halal certificate" in body and "renewed document" in body
        texts = sorted(n.params["product"] for n in notifications_of(person, "product_hidden_expired"))
        assert texts == ["Kopi Aming Bubuk", "Kue Bingka"]
    assert outbox(app, to=store.mentor.email) == []
    assert len(db.session.execute(db.select(AuditEntry).where(
        AuditEntry.action == "product.hidden_expired")).scalars().all()) == 2

    # A second run (the same day or later) sends nothing new.
    total = len(outbox(app))
    assert run(app, "documents-hide-expired-products") == 0
    clock.travel(days=1)
    assert run(app, "documents-hide-expired-products") == 0
    assert len(outbox(app)) == total
    assert len(notifications_of(owner, "product_hidden_expired")) == 2

    # Renewed: the products come back; when the renewal expires in its turn, a new notice.
    renewal = factories.DocumentFactory(store=store, kind="halal", number="HALAL-BARU",
                                        expires_on=clock.today() + timedelta(days=2))
    refresh_visibility(db.session.get(Store, store.id))
    db.session.commit()
    assert listed(kopi) and listed(bingka)
    assert run(app, "documents-hide-expired-products") == 0
    clock.travel(days=3)
    assert run(app, "documents-hide-expired-products") == 2
    assert len(outbox(app, to=owner.email)) == 2
    assert len(notifications_of(owner, "product_hidden_expired")) == 4
    assert renewal.id


def test_a_product_already_covered_by_a_renewed_document_stays_visible(app, factories, food_store):
    store, owner, member, (kopi, bingka, _tas), halal = food_store
    # The renewal is valid, but nothing recomputed the products yet (listed_until is stale).
    db.session.add(BusinessDocument(store=store, kind="halal", number="HALAL-2", status="valid",
                                    expires_on=clock.today() + timedelta(days=400), file_name="h.pdf",
                                    file_type="application/pdf", reviewed_at=clock.now()))
    db.session.commit()
    clock.travel(days=6)
    assert run(app, "documents-hide-expired-products") == 0
    kopi = db.session.get(Product, kopi.id)
    assert kopi.listed and kopi.listed_until > clock.today()
    assert outbox(app, to=owner.email) == [] and outbox(app, to=member.email) == []
    assert notifications_of(owner, "product_hidden_expired") == []


def test_hidden_products_job_runs_from_the_scheduler_command(app, runner, factories, food_store):
    store, owner, _member, (kopi, _bingka, _tas), _halal = food_store
    clock.travel(days=6)
    with app.app_context():
        result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    for name in NEW_JOBS:
        assert name in result.output
    db.session.expire_all()
    assert not listed(kopi)
    assert len(outbox(app, to=owner.email)) == 1


# --------------------------------------------------------------------- reminders


@pytest.fixture
def documents(factories):
    """A store (owner + member + mentor, English) with documents of every situation."""
    store = factories.StoreFactory(verified=True, name="Toko Kopi Aming")
    owner = store_owner(store)
    member = factories.SellerFactory(full_name="Rina Member")
    db.session.add(StoreMember(store=store, user=member, role="member"))
    english(owner, member, store.mentor)
    today = clock.today()
    pirt = factories.DocumentFactory(store=store, kind="pirt", number="PIRT-40", expires_on=today + timedelta(days=40))
    factories.DocumentFactory(store=store, kind="nib", number="NIB-TANPA-KEDALUWARSA")
    factories.DocumentFactory(store=store, kind="halal", number="HALAL-PENDING", pending=True,
                              expires_on=today + timedelta(days=10))
    factories.DocumentFactory(store=store, kind="bpom_md", number="BPOM-DITOLAK", status="rejected",
                              expires_on=today + timedelta(days=10))
    # An old certificate expiring soon that a longer-lasting valid one already replaces.
    factories.DocumentFactory(store=store, kind="hki", number="HKI-LAMA", expires_on=today + timedelta(days=5))
    factories.DocumentFactory(store=store, kind="hki", number="HKI-BARU", expires_on=today + timedelta(days=900))
    return store, owner, member, pirt


def test_reminder_once_per_document_to_members_and_mentor(app, factories, documents):
    store, owner, member, pirt = documents
    mentor = store.mentor
    assert run(app, "documents-expiry-reminders") == 0
    assert outbox(app) == []

    clock.travel(days=9)  # 31 days left
    assert run(app, "documents-expiry-reminders") == 0
    clock.travel(days=1)  # 30 days left
    assert run(app, "documents-expiry-reminders") == 1
    for person in (owner, member, mentor):
        mails = outbox(app, to=person.email)
        assert len(mails) == 1, person.email
        _to, subject, body = mails[0]
        assert "PIRT-IRT of Toko Kopi Aming expires on" in subject
        assert "PIRT-40" in body and "expires on" in body
    assert "Upload the renewed document" in outbox(app, to=owner.email)[0][2]
    assert "Toko Kopi Aming" in outbox(app, to=mentor.email)[0][2]
    assert "/mentor/stores/" in outbox(app, to=mentor.email)[0][2]
    assert db.session.get(BusinessDocument, pirt.id).expiry_reminder_sent_for == pirt.expires_on
    assert len(outbox(app)) == 3  # nothing about the pending, rejected, replaced or undated ones

    # Later runs never repeat it, up to and past the expiry.
    for _day in range(3):
        clock.travel(days=15)
        assert run(app, "documents-expiry-reminders") == 0
    assert len(outbox(app)) == 3


def test_a_renewed_document_gets_its_own_reminder(app, factories, documents):
    store, owner, _member, pirt = documents
    clock.travel(days=10)
    assert run(app, "documents-expiry-reminders") == 1
    # The renewal, accepted: a year later it is reminded about in its turn.
    renewal = factories.DocumentFactory(store=store, kind="pirt", number="PIRT-2027",
                                        expires_on=pirt.expires_on + timedelta(days=365))
    assert run(app, "documents-expiry-reminders") == 0
    clock.travel(days=364)  # 31 days left
    assert run(app, "documents-expiry-reminders") == 0
    clock.travel(days=1)
    assert run(app, "documents-expiry-reminders") == 1
    assert db.session.get(BusinessDocument, renewal.id).expiry_reminder_sent_for == renewal.expires_on
    mails = outbox(app, to=owner.email)
    assert len(mails) == 2 and "PIRT-40" in mails[0][2] and "PIRT-2027" in mails[1][2]


def test_a_corrected_expiry_date_is_reminded_again(app, factories, documents):
    _store, owner, _member, pirt = documents
    clock.travel(days=10)
    assert run(app, "documents-expiry-reminders") == 1
    doc = db.session.get(BusinessDocument, pirt.id)
    doc.expires_on = clock.today() + timedelta(days=20)
    db.session.commit()
    assert run(app, "documents-expiry-reminders") == 1
    assert run(app, "documents-expiry-reminders") == 0
    assert len(outbox(app, to=owner.email)) == 2
