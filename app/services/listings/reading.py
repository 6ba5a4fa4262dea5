"""What the review pages read: the mentor's queue, the latest decision and what changed in a
revision."""
from __future__ import annotations

from app import clock
from app.authz import is_member
from app.extensions import db
from app.models import ListingReview, Product, ProductRevision, Store
from app.services.listings.content import CONTENT_FIELDS, content_of
from app.services.listings.workflow import under_review

DECISIONS = ("approved", "changes_requested", "rejected")


def latest_decision(product: Product) -> ListingReview | None:
    for review in reversed(product.reviews):
        if review.action in DECISIONS:
            return review
    return None


def changes_since(product: Product):
    """[(field, before, after)] for the mentor: a revision against the live version, or a
    resubmission against the previous submission."""
    what, revision = under_review(product)
    if what == "revision":
        before, after = content_of(product), revision.content
    else:
        snapshots = [r.snapshot for r in product.reviews
                     if r.action == "submitted" and r.revision_id is None and r.snapshot]
        if len(snapshots) < 2:
            return []
        before, after = snapshots[-2], snapshots[-1]
    rows = []
    for key in CONTENT_FIELDS + ("price", "stock"):
        if key in after and before.get(key) != after.get(key):
            rows.append((key, before.get(key), after.get(key)))
    return rows


def review_queue(actor, mentor_id=None):
    """What waits for ``actor``'s decision, oldest first: [(product, revision, submitted_at)].
    A mentor sees the stores assigned to them; an admin every store (or one mentor's)."""
    query = db.select(Product).join(Product.store)
    if actor.has_role("admin"):
        if mentor_id:
            query = query.where(Store.mentor_id == mentor_id)
    else:
        query = query.where(Store.mentor_id == actor.id)
    query = query.where(db.or_(
        Product.status == "submitted",
        db.and_(Product.status == "approved",
                Product.id.in_(db.select(ProductRevision.product_id).where(ProductRevision.status == "submitted"))),
    ))
    from sqlalchemy.orm import selectinload

    products = db.session.execute(query.options(selectinload(Product.revisions), selectinload(Product.store)
                                                .selectinload(Store.members))).scalars().all()

    rows = []
    for product in products:
        if is_member(actor, product.store):
            continue
        what, revision = under_review(product)
        submitted = revision.submitted_at if revision else product.submitted_at
        rows.append((product, revision, submitted))
    rows.sort(key=lambda r: r[2] or clock.now())
    return rows
