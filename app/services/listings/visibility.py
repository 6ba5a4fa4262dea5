"""What buyers may see of a product: live, not paused, its store verified and holding a valid
document for every requirement of its category; recomputed into listed / listed_until /
halal_until whenever any of these changes."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app import clock
from app.extensions import db
from app.labels import DOCUMENT_KIND_LABELS
from app.models import Category, Product, Store

# A halal certificate without an expiry date still needs a date for the badge filter.
FAR_FUTURE = date(9999, 12, 31)

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
