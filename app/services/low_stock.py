"""Low stock: a store is told once when a variant's stock falls to its threshold.

Rules kept here: the threshold a seller sets is the variant's own, else its product's
(``ProductVariant.alert_threshold``; the LOW_STOCK_THRESHOLD setting only labels stock as
low for buyers and alerts nobody); when a sale leaves a variant at or below it, every
member of the store gets one in-app notification and the store one e-mail, once: a
guarded UPDATE (``WHERE low_stock_notified_at IS NULL``) marks it, so two checkouts at
once tell it once. When the stock rises above the threshold again
(restocked, or an order given back) the mark is cleared, and the next fall tells again.
Nothing here commits: the calling service does.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Product, ProductVariant
from app.orm import rows_matched, utcnow
from app.urls import absolute, path_for


def _variants(variant_ids):
    ids = sorted({i for i in variant_ids if i is not None})
    if not ids:
        return []
    return db.session.execute(
        db.select(ProductVariant).where(ProductVariant.id.in_(ids))
        .options(db.joinedload(ProductVariant.product)).execution_options(populate_existing=True)
    ).scalars().all()


def check_after_sale(variant_ids):
    """Tell the stores whose variants (of ``variant_ids``) a sale left at their threshold."""
    from app.services import notifications as notify
    from app.services.mail import queue_email

    for variant in _variants(variant_ids):
        if variant.retired or variant.low_stock_notified_at is not None:
            continue
        threshold = variant.alert_threshold()
        if threshold is None or variant.stock > threshold:
            continue
        marked = db.session.execute(
            db.update(ProductVariant)
            .where(ProductVariant.id == variant.id, ProductVariant.low_stock_notified_at.is_(None))
            .values(low_stock_notified_at=utcnow()).execution_options(synchronize_session=False)
        )
        if rows_matched(marked) != 1:
            continue  # another checkout told the store already
        product: Product = variant.product
        name = f"{product.name} ({variant.name})" if variant.name else product.name
        link = path_for("seller.variants", product_id=product.id)
        members, owners = notify.store_people(product.store_id)
        params = {"product": name, "stock": variant.stock}
        for member in members:
            notify.add(member, "low_stock", link=link, **params)
        recipient = notify.email_recipient(members, owners)
        if recipient is not None:
            with notify.request_context():
                queue_email(recipient.email, _l("Low stock: %(product)s", product=name), "low_stock",
                            locale=recipient.locale, recipient=recipient, product=product, variant=variant,
                            threshold=threshold,
                            name=name, link=absolute(link))


def rearm_variants(variant_ids):
    """Clear the mark of the variants (of ``variant_ids``) whose stock is above their threshold."""
    for variant in _variants(variant_ids):
        rearm(variant)


def rearm(variant: ProductVariant):
    threshold = variant.alert_threshold()
    if variant.low_stock_notified_at is not None and (threshold is None or variant.stock > threshold):
        variant.low_stock_notified_at = None
