"""The approval workflow: every transition, the refusals, revisions of live products,
pause/resume, visibility rules and the e-mails."""
from datetime import timedelta

import pytest
from flask_babel import force_locale

from app import clock
from app.extensions import db
from app.models import AuditEntry, ListingReview, Product
from app.services import Conflict, Invalid, NotAllowed, NotFound
from app.services import listings
from tests.conftest import outbox
from tests.listing_utils import add_photo, english


@pytest.fixture
def ctx(app, factories):
    """A request context in English (pushed after the factories' app context)."""
    with app.test_request_context(), force_locale("en"):
        yield app


@pytest.fixture
def world(ctx, factories):
    """A verified store with a mentor, a food category with valid PIRT and halal, and a
    draft product with a photo."""
    store = factories.StoreFactory(verified=True)
    seller = factories.store_owner(store)
    food = factories.CategoryFactory(food=True)
    pirt = factories.DocumentFactory(store=store, kind="pirt", expires_on=clock.today() + timedelta(days=300))
    halal = factories.DocumentFactory(store=store, kind="halal", expires_on=clock.today() + timedelta(days=30))
    product = factories.ProductFactory(store=store, category=food, name="Minuman Lidah Buaya", price=12000)
    add_photo(product)
    english(seller, store.mentor)

    class W:
        pass

    w = W()
    w.store, w.seller, w.mentor, w.food, w.pirt, w.halal, w.product = (
        store, seller, store.mentor, food, pirt, halal, product)
    w.f = factories
    return w


def _reviews(product):
    return [r.action for r in db.session.execute(
        db.select(ListingReview).where(ListingReview.product_id == product.id).order_by(ListingReview.id)).scalars()]


def _audits(action):
    return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == action))


def visible_ids():
    return set(db.session.execute(db.select(Product.id).where(Product.visible_condition(clock.today()))).scalars())


# ---------------------------------------------------------------- transitions

def test_submit_then_approve(world, app):
    p = world.product
    listings.submit_listing(world.seller, p)
    assert p.status == "submitted" and p.submitted_at is not None
    mails = outbox(app, world.mentor.email)
    assert mails and "Minuman Lidah Buaya" in mails[-1][1]
    listings.decide_listing(world.mentor, p, "approve")
    assert p.status == "approved" and p.listed and p.id in visible_ids()
    assert p.listed_until == world.halal.expires_on  # the earliest expiry among chosen documents
    assert p.halal_until == world.halal.expires_on
    assert _reviews(p) == ["submitted", "approved"]
    assert _audits("product.submitted") == 1 and _audits("product.approved") == 1
    assert any("approved" in subject.lower() for _to, subject, _b in outbox(app, world.seller.email))


def test_request_changes_then_resubmit_then_reject(world, app):
    p = world.product
    listings.submit_listing(world.seller, p)
    listings.decide_listing(world.mentor, p, "request_changes", ["photo", "price"], "Foto buram, harga per botol?")
    assert p.status == "changes_requested"
    review = listings.latest_decision(p)
    assert review.reason_codes == ["photo", "price"] and "buram" in review.note
    body = outbox(app, world.seller.email)[-1][2]
    assert "Foto buram" in body and "Photo" in body
    listings.update_product(world.seller, p, {"name": "Minuman Lidah Buaya 250 ml", "price": 13000})
    listings.submit_listing(world.seller, p)
    assert p.status == "submitted"
    changes = dict((k, (b, a)) for k, b, a in listings.changes_since(p))
    assert changes["name"] == ("Minuman Lidah Buaya", "Minuman Lidah Buaya 250 ml")
    assert changes["price"] == (12000, 13000)
    listings.decide_listing(world.mentor, p, "reject", note="Bukan produk lokal.")
    assert p.status == "rejected" and not p.listed
    assert _reviews(p) == ["submitted", "changes_requested", "submitted", "rejected"]


@pytest.mark.parametrize("status,action", [
    ("draft", "approve"), ("draft", "request_changes"), ("draft", "reject"),
    ("changes_requested", "approve"), ("approved", "approve"), ("rejected", "approve"),
    ("approved", "submit"), ("submitted", "submit"), ("rejected", "submit"),
])
def test_invalid_transitions_are_refused_and_change_nothing(world, status, action):
    p = world.product
    p.status = status
    db.session.commit()
    before_reviews, before_audits = _reviews(p), db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    with pytest.raises(Conflict) as info:
        if action == "submit":
            listings.submit_listing(world.seller, p)
        else:
            listings.decide_listing(world.mentor, p, action, ["photo"], "note")
    db.session.rollback()
    assert "cannot be" in info.value.message or "no changes" in info.value.message
    db.session.refresh(p)
    assert p.status == status
    assert _reviews(p) == before_reviews
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == before_audits


def test_request_changes_needs_reason_and_note(world):
    listings.submit_listing(world.seller, world.product)
    with pytest.raises(Invalid):
        listings.decide_listing(world.mentor, world.product, "request_changes", [], "note")
    with pytest.raises(Invalid):
        listings.decide_listing(world.mentor, world.product, "request_changes", ["photo"], "")
    with pytest.raises(Invalid):
        listings.decide_listing(world.mentor, world.product, "request_changes", ["bogus"], "x")
    with pytest.raises(Invalid):
        listings.decide_listing(world.mentor, world.product, "reject", [], "")
    assert world.product.status == "submitted"


def test_submit_needs_a_photo(world, factories):
    bare = factories.ProductFactory(store=world.store, category=world.food)
    with pytest.raises(Invalid) as info:
        listings.submit_listing(world.seller, bare)
    assert "photo" in info.value.message
    assert bare.status == "draft"


def test_pause_and_resume_only_when_approved(world):
    p = world.product
    with pytest.raises(Conflict):
        listings.pause_listing(world.seller, p)
    listings.submit_listing(world.seller, p)
    listings.decide_listing(world.mentor, p, "approve")
    listings.pause_listing(world.seller, p)
    assert p.paused and not p.listed and p.id not in visible_ids()
    with pytest.raises(Conflict):
        listings.pause_listing(world.seller, p)
    listings.resume_listing(world.seller, p)
    assert p.listed and p.id in visible_ids()
    with pytest.raises(Conflict):
        listings.resume_listing(world.seller, p)
    assert _reviews(p)[-2:] == ["paused", "resumed"]


# ---------------------------------------------------------------- permissions

def test_nobody_approves_their_own_store(world, factories):
    listings.submit_listing(world.seller, world.product)
    # The store's mentor is also a member of the store.
    from app.models import StoreMember

    world.store.members.append(StoreMember(user=world.mentor, role="member"))
    db.session.commit()
    with pytest.raises(NotAllowed):
        listings.decide_listing(world.mentor, world.product, "approve")
    admin_member = factories.AdminFactory()
    world.store.members.append(StoreMember(user=admin_member, role="member"))
    db.session.commit()
    with pytest.raises(NotAllowed):
        listings.decide_listing(admin_member, world.product, "approve")
    assert world.product.status == "submitted"


def test_only_the_assigned_mentor_or_an_admin_decides(world, factories):
    listings.submit_listing(world.seller, world.product)
    other = factories.MentorFactory()
    with pytest.raises(NotFound):
        listings.decide_listing(other, world.product, "approve")
    with pytest.raises(NotAllowed):  # the store's own seller
        listings.decide_listing(world.seller, world.product, "approve")
    admin = factories.AdminFactory()
    listings.decide_listing(admin, world.product, "approve")
    assert world.product.status == "approved"


def test_another_store_cannot_touch_the_product(world, factories):
    stranger_store = factories.StoreFactory()
    stranger = factories.store_owner(stranger_store)
    for call in (lambda: listings.submit_listing(stranger, world.product),
                 lambda: listings.update_product(stranger, world.product, {"price": 1000}),
                 lambda: listings.pause_listing(stranger, world.product),
                 lambda: listings.get_product_for_member(stranger, world.product.id)):
        with pytest.raises(NotFound):
            call()


# ---------------------------------------------------------------- approval rules and visibility

def test_cannot_approve_while_store_unverified(world):
    listings.submit_listing(world.seller, world.product)
    world.store.status = "pending_verification"
    db.session.commit()
    with pytest.raises(Conflict) as info:
        listings.decide_listing(world.mentor, world.product, "approve")
    assert "not verified" in info.value.message
    assert world.product.status == "submitted"


def test_cannot_approve_without_required_documents(world):
    listings.submit_listing(world.seller, world.product)
    world.halal.status = "rejected"
    db.session.commit()
    with pytest.raises(Conflict) as info:
        listings.decide_listing(world.mentor, world.product, "approve")
    assert "Halal certificate" in info.value.message
    db.session.rollback()
    world.pirt.status = "pending"
    world.halal.status = "valid"
    db.session.commit()
    with pytest.raises(Conflict) as info:
        listings.decide_listing(world.mentor, world.product, "approve")
    assert "PIRT-IRT or BPOM MD or BPOM ML" in info.value.message


def test_bpom_meets_the_pirt_group(world, factories):
    world.pirt.status = "rejected"
    factories.DocumentFactory(store=world.store, kind="bpom_md", expires_on=None)
    listings.submit_listing(world.seller, world.product)
    listings.decide_listing(world.mentor, world.product, "approve")
    assert world.product.listed and world.product.listed_until == world.halal.expires_on


def test_category_without_requirements_needs_only_a_verified_store(factories, ctx):
    p = factories.ProductFactory(live=True)
    assert p.listed and p.listed_until is None and p.halal_until is None


def test_subcategory_inherits_parent_requirements(world, factories):
    sub = factories.CategoryFactory(parent=world.food, required_documents=[])
    assert sub.requirement_groups() == world.food.required_documents
    world.halal.status = "pending"
    db.session.commit()
    assert listings.missing_requirements(world.store, sub) == [["halal"]]


def test_expiry_hides_and_renewal_brings_back(world, factories):
    p = world.product
    listings.submit_listing(world.seller, p)
    listings.decide_listing(world.mentor, p, "approve")
    assert p.id in visible_ids()
    clock.travel(days=31)  # the halal certificate expired yesterday
    assert p.id not in visible_ids()
    assert not p.is_visible_on(clock.today())
    # The seller uploads the renewed certificate; it is pending, nothing changes yet.
    from app.services import documents
    from app.services.images import Upload
    from tests.listing_utils import pdf_bytes

    renewed = documents.add_document(world.seller, world.store, kind="halal", number="ID61110000123", issuer="BPJPH",
                                     expires_on=clock.today() + timedelta(days=700),
                                     upload=Upload(pdf_bytes(), "halal.pdf", "application/pdf"))
    assert p.id not in visible_ids()
    documents.validate_document(world.mentor, renewed)
    assert p.id in visible_ids()
    assert p.listed_until == world.pirt.expires_on  # now the PIRT expires first
    assert p.halal_until == renewed.expires_on


def test_latest_expiring_document_is_chosen(world, factories):
    later = factories.DocumentFactory(store=world.store, kind="halal", expires_on=clock.today() + timedelta(days=200))
    listings.refresh_visibility(world.store)
    world.product.status = "approved"
    listings.refresh_product_visibility(world.product)
    assert world.product.listed_until == later.expires_on


def test_suspending_the_store_hides_everything(world, factories):
    from app.services import stores

    listings.submit_listing(world.seller, world.product)
    listings.decide_listing(world.mentor, world.product, "approve")
    admin = factories.AdminFactory()
    stores.suspend_store(admin, world.store, "Laporan pembeli")
    assert not world.product.listed
    stores.reinstate_store(admin, world.store)
    assert world.store.status == "pending_verification" and not world.product.listed
    stores.verify_store(world.mentor, world.store)
    assert world.product.listed


def test_rejected_document_hides_live_product(world):
    from app.services import documents

    listings.submit_listing(world.seller, world.product)
    listings.decide_listing(world.mentor, world.product, "approve")
    documents.reject_document(world.mentor, world.pirt, "Nomor tidak terdaftar")
    assert not world.product.listed
    with pytest.raises(Invalid):
        documents.reject_document(world.mentor, world.halal, "")


# ---------------------------------------------------------------- revisions of live products

def _live(world):
    listings.submit_listing(world.seller, world.product)
    listings.decide_listing(world.mentor, world.product, "approve")
    return world.product


def test_price_and_stock_change_at_once_content_waits(world, app):
    p = _live(world)
    listings.update_product(world.seller, p, {"name": "Lidah Buaya Segar", "description": "Baru", "price": 15000,
                                              "stock": 99})
    assert p.price == 15000 and p.stock == 99  # immediately
    assert p.name == "Minuman Lidah Buaya" and p.description != "Baru"  # live version unchanged
    assert p.listed
    revision = listings.open_revision(p)
    assert revision.status == "draft" and revision.content["name"] == "Lidah Buaya Segar"
    assert _audits("product.price_stock_changed") == 1
    listings.submit_listing(world.seller, p)
    assert revision.status == "submitted" and p.status == "approved" and p.listed
    assert "Changes to review" in outbox(app, world.mentor.email)[-1][1]
    queue = listings.review_queue(world.mentor)
    assert [(row[0].id, row[1].id) for row in queue] == [(p.id, revision.id)]
    assert ("name", "Minuman Lidah Buaya", "Lidah Buaya Segar") in listings.changes_since(p)
    # While under review, more content edits are refused; price still changes.
    with pytest.raises(Conflict):
        listings.update_product(world.seller, p, {"name": "Lagi"})
    db.session.rollback()
    listings.update_product(world.seller, p, {"price": 16000})
    assert p.price == 16000
    listings.decide_listing(world.mentor, p, "approve")
    assert p.name == "Lidah Buaya Segar" and p.description == "Baru" and revision.status == "approved"
    assert p.listed and listings.open_revision(p) is None


def test_revision_changes_requested_and_rejected_keep_live_version(world):
    p = _live(world)
    listings.update_product(world.seller, p, {"name": "Nama Baru"})
    listings.submit_listing(world.seller, p)
    listings.decide_listing(world.mentor, p, "request_changes", ["copywriting"], "Nama kurang jelas")
    revision = listings.open_revision(p)
    assert revision.status == "changes_requested" and p.name == "Minuman Lidah Buaya" and p.listed
    listings.update_product(world.seller, p, {"name": "Nama Lebih Jelas"})
    listings.submit_listing(world.seller, p)
    listings.decide_listing(world.mentor, p, "reject", note="Tidak sesuai")
    assert revision.status == "rejected" and p.name == "Minuman Lidah Buaya" and p.listed
    assert listings.open_revision(p) is None


def test_revision_to_food_category_needs_documents(world, factories):
    craft = factories.CategoryFactory()
    p = factories.ProductFactory(store=world.store, category=craft, live=True)
    add_photo(p)
    world.halal.status = "rejected"
    db.session.commit()
    listings.refresh_visibility(world.store)
    assert p.listed
    listings.update_product(world.seller, p, {"category_id": world.food.id})
    listings.submit_listing(world.seller, p)
    with pytest.raises(Conflict) as info:
        listings.decide_listing(world.mentor, p, "approve")
    assert "Halal" in info.value.message
    db.session.rollback()
    assert p.category_id == craft.id


def test_revision_whose_category_was_deleted_is_not_approved(world, factories):
    craft, gifts = factories.CategoryFactory(), factories.CategoryFactory()
    p = factories.ProductFactory(store=world.store, category=craft, live=True)
    add_photo(p)
    listings.update_product(world.seller, p, {"category_id": gifts.id})
    listings.submit_listing(world.seller, p)
    # No product uses the category yet (only the revision names it), so it can be deleted.
    db.session.delete(gifts)
    db.session.commit()
    with pytest.raises(Invalid) as info:
        listings.decide_listing(world.mentor, p, "approve")
    assert info.value.message == "Choose a category."
    db.session.rollback()
    assert p.category_id == craft.id and p.listed


def test_queue_is_oldest_first_and_limited_to_the_mentor(world, factories):
    listings.submit_listing(world.seller, world.product)
    clock.travel(hours=2)
    second = factories.ProductFactory(store=world.store, category=world.food)
    add_photo(second)
    listings.submit_listing(world.seller, second)
    assert [row[0].id for row in listings.review_queue(world.mentor)] == [world.product.id, second.id]
    other_mentor = factories.MentorFactory()
    assert listings.review_queue(other_mentor) == []
    admin = factories.AdminFactory()
    assert len(listings.review_queue(admin)) == 2
    assert listings.review_queue(admin, mentor_id=other_mentor.id) == []
