"""Listings: the approval workflow of products, revisions of live products, pause and
resume, and the denormalised visibility buyers see.

Rules kept here:
- transitions are the explicit table ``TRANSITIONS``; anything else is a Conflict (409)
  and changes nothing;
- each transition writes a ListingReview row and an audit entry, and commits once;
- nobody decides on a product of their own store; a mentor decides only for the stores
  assigned to them (admins for every store);
- a product cannot be approved while its store is unverified or lacks a valid required
  document; ``refresh_visibility`` recomputes ``listed``/``listed_until``/``halal_until``
  whenever the product, its store or a document changes, so a live product disappears
  by itself when a required document expires and comes back when a renewed one is valid.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.extensions import db
from app.models import REASON_CODES, Category, ListingReview, Product, ProductRevision, Store
from app.services import Conflict, Invalid, NotAllowed, NotFound

# A halal certificate without an expiry date still needs a date for the badge filter.
FAR_FUTURE = date(9999, 12, 31)

DOCUMENT_KIND_LABELS = {
    "nib": _l("NIB"),
    "halal": _l("Halal certificate"),
    "pirt": _l("PIRT-IRT"),
    "bpom_md": _l("BPOM MD"),
    "bpom_ml": _l("BPOM ML"),
    "hki": _l("HKI"),
    "other": _l("Other document"),
}

LISTING_STATE_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Awaiting review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

REASON_LABELS = {
    "photo": _l("Photo"),
    "copywriting": _l("Copywriting"),
    "price": _l("Price"),
    "permit": _l("Permit"),
    "category": _l("Category"),
    "other": _l("Other"),
}

# What a seller should do for each reason code.
REASON_HINTS = {
    "photo": _l("Upload clearer photos: good light, the product filling the frame, a plain background."),
    "copywriting": _l("Rewrite the name or description: say what it is, its size, ingredients or material."),
    "price": _l("Check the price: it must be the final price in rupiah per unit."),
    "permit": _l("Upload or renew the permit this category needs (PIRT-IRT or BPOM, halal)."),
    "category": _l("Choose the category that fits the product."),
    "other": _l("Read the mentor's note."),
}

# state -> {action: new state}
TRANSITIONS = {
    "draft": {"submit": "submitted"},
    "submitted": {"approve": "approved", "request_changes": "changes_requested", "reject": "rejected"},
    "changes_requested": {"submit": "submitted"},
    "approved": {},
    "rejected": {},
}
REVISION_TRANSITIONS = {
    "draft": {"submit": "submitted"},
    "submitted": {"approve": "approved", "request_changes": "changes_requested", "reject": "rejected"},
    "changes_requested": {"submit": "submitted"},
    "approved": {},
    "rejected": {},
}

# Content fields of a live product that go through a revision (price and stock do not).
CONTENT_FIELDS = ("name", "description", "category_id", "unit", "weight_grams", "min_order",
                  "lead_time_days", "images")


# ---------------------------------------------------------------- visibility

def document_plan(store: Store, category: Category | None, day: date | None = None):
    """For each requirement group of ``category``: the valid document chosen to meet it
    (the one expiring latest) or None. Returns ``[(group, document_or_None)]``."""
    day = day or clock.today()
    groups = category.requirement_groups() if category is not None else []
    plan = []
    for group in groups:
        candidates = [d for d in store.documents if d.kind in group and d.is_valid_on(day)]
        # No expiry beats any expiry; otherwise the latest expiry.
        candidates.sort(key=lambda d: d.expires_on or FAR_FUTURE, reverse=True)
        plan.append((group, candidates[0] if candidates else None))
    return plan


def missing_requirements(store: Store, category: Category | None, day: date | None = None):
    """Requirement groups no valid document meets, as lists of kinds."""
    return [group for group, doc in document_plan(store, category, day) if doc is None]


def halal_until(store: Store, day: date | None = None):
    day = day or clock.today()
    dates = [d.expires_on or FAR_FUTURE for d in store.documents if d.kind == "halal" and d.is_valid_on(day)]
    return max(dates) if dates else None


def refresh_product_visibility(product: Product, day: date | None = None):
    """Recompute ``listed``, ``listed_until`` and ``halal_until`` of one product (no commit)."""
    day = day or clock.today()
    store = product.store
    plan = document_plan(store, product.category, day)
    compliant = all(doc is not None for _group, doc in plan)
    product.listed = bool(product.status == "approved" and not product.paused and store.is_verified and compliant)
    expiries = [doc.expires_on for _group, doc in plan if doc is not None and doc.expires_on is not None]
    product.listed_until = min(expiries) if (product.listed and expiries) else None
    product.halal_until = halal_until(store, day)
    return product


def refresh_visibility(store: Store, day: date | None = None):
    """Recompute the visibility of every product of ``store`` (no commit)."""
    day = day or clock.today()
    products = db.session.execute(db.select(Product).where(Product.store_id == store.id)).scalars().all()
    for product in products:
        refresh_product_visibility(product, day)
    return products


def requirement_names(groups) -> str:
    """``[["pirt", "bpom_md"], ["halal"]]`` -> "PIRT-IRT or BPOM MD; Halal certificate"."""
    parts = []
    for group in groups:
        parts.append((" %s " % _("or")).join(str(DOCUMENT_KIND_LABELS.get(k, k)) for k in group))
    return "; ".join(parts)
