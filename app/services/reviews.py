"""Product reviews by buyers who received the product.

Rules kept here: a buyer rates a product (1–5, with an optional comment) once, and only
after an order with that product is completed; a member of the product's store replies
once. Another buyer's order item or another store's review is not found (404).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from app.urls import path_for
from app.extensions import db
from app.authz import store_ids_of
from app.models import Order, OrderItem, ProductReview
from app.orm import utcnow
from app.services import Conflict, Invalid, NotFound, audit
from app.services import notifications as notify


def post_review(buyer, order_item_id, rating, comment=""):
    """Rate the product of a completed order's item, once per product."""
    item = db.session.execute(
        db.select(OrderItem).join(Order).where(OrderItem.id == order_item_id, Order.buyer_id == buyer.id)
    ).scalar_one_or_none()
    if item is None or item.product_id is None:
        raise NotFound(_("This order item does not exist."))
    if item.order.state != "completed":
        raise Conflict(_("You can review a product once the order is completed."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid(_("Choose a rating from 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise Invalid(_("Keep the review under 2000 characters."))
    if reviewed(buyer, item.product_id):
        raise Conflict(_("You have already reviewed this product."))
    review = ProductReview(product_id=item.product_id, buyer_id=buyer.id, order_item_id=item.id,
                           rating=rating, comment=comment)
    db.session.add(review)
    db.session.flush()
    audit.record(buyer, "review.post", review, after={"rating": rating, "product_id": item.product_id})
    members, _owners = notify.store_people(item.order.store_id)
    for member in members:
        notify.add(member, "review_posted", link=path_for("sales.reviews"), product=item.full_name)
    db.session.commit()
    return review


def reviewed(buyer, product_id) -> bool:
    return db.session.execute(
        db.select(ProductReview.id).where(ProductReview.buyer_id == buyer.id, ProductReview.product_id == product_id)
    ).first() is not None


def reviewed_product_ids(buyer, product_ids):
    if not product_ids:
        return set()
    return set(db.session.execute(
        db.select(ProductReview.product_id).where(ProductReview.buyer_id == buyer.id,
                                                  ProductReview.product_id.in_(product_ids))
    ).scalars())


def reply_to_review(seller, review_id, text):
    """The store answers a review once."""
    store_ids = store_ids_of(seller)
    review = db.session.execute(
        db.select(ProductReview).where(ProductReview.id == review_id)
    ).scalar_one_or_none()
    if review is None or review.product.store_id not in store_ids:
        raise NotFound(_("This review does not exist."))
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write a reply."))
    if len(text) > 2000:
        raise Invalid(_("Keep the reply under 2000 characters."))
    if review.replied_at is not None:
        raise Conflict(_("This review already has a reply."))
    review.reply = text
    review.reply_by_id = seller.id
    review.replied_at = utcnow()
    audit.record(seller, "review.reply", review, after={"reply": text[:200]})
    notify.add(review.buyer, "review_replied", link=path_for("catalog.product", slug=review.product.slug)
               if _has_endpoint("catalog.product") else "",
               store=review.product.store.name, product=review.product.name)
    db.session.commit()
    return review


def _has_endpoint(name):
    from flask import current_app

    return name in current_app.view_functions


@dataclass
class Summary:
    count: int
    average: float | None
    reviews: Sequence[ProductReview]


def for_product(product_id, limit=20) -> Summary:
    """Average, count and the newest reviews of a product, in two queries."""
    count, average = db.session.execute(
        db.select(db.func.count(ProductReview.id), db.func.avg(ProductReview.rating))
        .where(ProductReview.product_id == product_id)
    ).one()
    reviews: Sequence[ProductReview] = []
    if count:
        reviews = db.session.execute(
            db.select(ProductReview).where(ProductReview.product_id == product_id)
            .options(db.joinedload(ProductReview.buyer), db.joinedload(ProductReview.order_item))
            .order_by(ProductReview.created_at.desc(), ProductReview.id.desc()).limit(limit)
        ).scalars().all()
    return Summary(count, round(float(average), 1) if average is not None else None, reviews)


def for_stores(seller, page=1, per_page=30):
    from app.models import Product

    store_ids = store_ids_of(seller)
    return db.paginate(
        db.select(ProductReview).join(Product, Product.id == ProductReview.product_id)
        .where(Product.store_id.in_(store_ids))
        .options(db.joinedload(ProductReview.buyer), db.joinedload(ProductReview.product))
        .order_by(ProductReview.replied_at.is_not(None), ProductReview.created_at.desc()),
        page=page, per_page=per_page, error_out=False,
    )
