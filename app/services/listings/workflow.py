"""The listing's review: submitting, the mentor's decisions (approve, request changes, reject)
on a product or a revision, pausing and resuming; the transitions are the table TRANSITIONS."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.authz import is_member, require_reviewer
from app.extensions import db
from app.labels import LISTING_ACTION_LABELS, LISTING_STATE_LABELS, REASON_HINTS, REASON_LABELS
from app.models import REASON_CODES, Category, ListingReview, ListingState, Product
from app.services import Conflict, Invalid, NotFound, audit
from app.services.listings.content import (
    _apply_content,
    _forget_unused_images,
    _image_dicts,
    _sync_image_rows,
    content_of,
    open_revision,
)
from app.services.listings.visibility import missing_requirements, refresh_product_visibility, requirement_names
from app.services.mail import queue_email
from app.urls import absolute_url

# state -> {action: new state}. A product and a revision of a live product share it.
TRANSITIONS = {
    ListingState.DRAFT: {"submit": ListingState.SUBMITTED},
    ListingState.SUBMITTED: {"approve": ListingState.APPROVED, "request_changes": ListingState.CHANGES_REQUESTED,
                             "reject": ListingState.REJECTED},
    ListingState.CHANGES_REQUESTED: {"submit": ListingState.SUBMITTED},
    ListingState.APPROVED: {},
    ListingState.REJECTED: {},
}

# ---------------------------------------------------------------- workflow



def _check_transition(table, status, action):
    if action not in table.get(status, {}):
        raise Conflict(_("A product that is %(state)s cannot be %(action)s.",
                         state=str(LISTING_STATE_LABELS.get(status, status)).lower(),
                         action=str(LISTING_ACTION_LABELS.get(action, action))))
    return table[status][action]


def submit_listing(actor, product: Product) -> Product:
    """A member sends a draft (or a product sent back for changes), or the changes to a
    live product, to the store's mentor."""

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    if product.store.status == "suspended":
        raise Conflict(_("The store is suspended; contact the programme staff."))
    now = clock.now()
    if product.status == "approved":
        revision = open_revision(product)
        if revision is None:
            raise Conflict(_("There are no changes to submit: the product is already live."))
        _check_transition(TRANSITIONS, revision.status, "submit")
        if not revision.content.get("images"):
            raise Invalid(_("Add at least one photo before submitting."))
        revision.status = "submitted"
        revision.submitted_at = now
        snapshot = dict(revision.content)
    else:
        new_status = _check_transition(TRANSITIONS, product.status, "submit")
        if not product.images:
            raise Invalid(_("Add at least one photo before submitting."))
        if not product.description.strip():
            raise Invalid(_("Describe the product before submitting."))
        revision = None
        product.status = new_status
        product.submitted_at = now
        snapshot = content_of(product)
    snapshot.update(price=product.price, stock=product.stock)
    db.session.add(ListingReview(product=product, revision=revision, actor_id=actor.id, action="submitted",
                                 snapshot=snapshot, submitted_at=now))
    audit.record(actor, "product.revision_submitted" if revision else "product.submitted", product,
                 after={"status": product.status, "revision_id": revision.id if revision else None})
    _notify_mentor(product, revision)
    db.session.commit()
    return product


def _notify_mentor(product, revision):

    mentor = product.store.mentor
    if mentor is None:
        return
    subject = (_l("Changes to review: %(name)s", name=product.name) if revision
               else _l("New product to review: %(name)s", name=product.name))
    queue_email(mentor.email, subject, "listing_submitted", locale=mentor.locale, product=product,
                revision=revision, store=product.store, url=absolute_url("mentor.review", product_id=product.id))


def under_review(product: Product):
    """What a decision would be about: ("product", None), ("revision", revision) or (None, None)."""
    if product.status == "submitted":
        return "product", None
    if product.status == "approved":
        revision = open_revision(product)
        if revision is not None and revision.status == "submitted":
            return "revision", revision
    return None, None


def approval_blockers(product: Product, category: Category | None = None) -> list[str]:
    """Why the product cannot be approved now (empty: it can)."""
    category = category or product.category
    store = product.store
    problems = []
    if not store.is_verified:
        problems.append(_("the store %(name)s is not verified", name=store.name))
    missing = missing_requirements(store, category)
    if missing:
        problems.append(_("the store lacks a valid %(docs)s", docs=requirement_names(missing)))
    return problems


def decide_listing(actor, product: Product, decision: str, reason_codes=(), note: str | None = "") -> Product:
    """The store's mentor (or an admin) approves, requests changes (one or more reason
    codes and a note) or rejects what was submitted: a new product or a live product's
    revision. Nobody decides on their own store's product."""

    require_reviewer(actor, product.store)
    if decision not in ("approve", "request_changes", "reject"):
        raise Invalid(_("Choose a decision."))
    note = (note or "").strip()
    reason_codes = [c for c in (reason_codes or []) if c]
    unknown = [c for c in reason_codes if c not in REASON_CODES]
    if unknown:
        raise Invalid(_("Unknown reason: %(codes)s.", codes=", ".join(unknown)))
    what, revision = under_review(product)
    if what is None:
        # No submission is waiting: explain through the product's own transition table.
        _check_transition(TRANSITIONS, product.status, decision)
    if decision == "request_changes":
        if not reason_codes:
            raise Invalid(_("Tick at least one reason for the changes."))
        if not note:
            raise Invalid(_("Write a note saying what to change."))
    if decision == "reject" and not note:
        raise Invalid(_("Write a note saying why the product is rejected."))
    now = clock.now()
    if what == "product":
        new_status = _check_transition(TRANSITIONS, product.status, decision)
        if decision == "approve":
            blockers = approval_blockers(product)
            if blockers:
                raise Conflict(_("This product cannot be approved yet: %(why)s.", why="; ".join(blockers)))
        before = product.status
        submitted_at = product.submitted_at
        product.status = new_status
        if new_status == "approved":
            product.approved_at = now
            product.paused = False
        after = {"status": product.status}
    else:
        new_status = _check_transition(TRANSITIONS, revision.status, decision)
        if decision == "approve":
            category = db.session.get(Category, revision.content.get("category_id"))
            blockers = approval_blockers(product, category)
            if blockers:
                raise Conflict(_("These changes cannot be approved yet: %(why)s.", why="; ".join(blockers)))
        before = revision.status
        submitted_at = revision.submitted_at
        revision.status = new_status
        revision.decided_at = now
        if new_status == "approved":
            old_images = _image_dicts(product)
            _apply_content(product, revision.content)
            _sync_image_rows(product, [dict(i) for i in revision.content.get("images", [])])
            new_keys = {i["key"] for i in revision.content.get("images", [])}
            from app.services import images as image_service

            for image in old_images:
                if image["key"] not in new_keys:
                    image_service.delete_image(image["key"])
        elif new_status == "rejected":
            _forget_unused_images(product, revision.content.get("images", []))
        after = {"revision_status": revision.status}
    db.session.add(ListingReview(product=product, revision=revision, actor_id=actor.id, action=new_status,
                                 reason_codes=list(reason_codes) if decision == "request_changes" else [],
                                 note=note, submitted_at=submitted_at, created_at=now))
    audit.record(actor, f"product.{'revision_' if revision else ''}{new_status}", product,
                 before={"status": before}, after=after, note=note)
    db.session.flush()
    refresh_product_visibility(product)
    _notify_members(product, new_status, reason_codes, note, revision)
    db.session.commit()
    return product


def _notify_members(product, new_status, reason_codes, note, revision):

    subjects = {
        "approved": lambda: _l("Approved: %(name)s", name=product.name),
        "changes_requested": lambda: _l("Changes requested: %(name)s", name=product.name),
        "rejected": lambda: _l("Not approved: %(name)s", name=product.name),
    }
    for member in product.store.members:
        user = member.user
        subject = subjects[new_status]()
        queue_email(user.email, subject, "listing_decision", locale=user.locale, product=product,
                    revision=revision, decision=new_status, reason_codes=reason_codes, note=note,
                    reason_labels=REASON_LABELS, reason_hints=REASON_HINTS,
                    url=absolute_url("seller.product", product_id=product.id))


def pause_listing(actor, product: Product) -> Product:
    """The seller hides a live product; only an approved, unpaused product can be paused."""
    return _set_paused(actor, product, True)


def resume_listing(actor, product: Product) -> Product:
    return _set_paused(actor, product, False)


def _set_paused(actor, product, paused):

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    if product.status != "approved":
        raise Conflict(_("Only an approved product can be paused or resumed."))
    if product.paused == paused:
        raise Conflict(_("The product is already paused.") if paused else _("The product is not paused."))
    product.paused = paused
    refresh_product_visibility(product)
    db.session.add(ListingReview(product=product, actor_id=actor.id, action="paused" if paused else "resumed"))
    audit.record(actor, "product.paused" if paused else "product.resumed", product,
                 before={"paused": not paused}, after={"paused": paused})
    db.session.commit()
    return product
