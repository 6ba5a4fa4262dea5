"""The PPK's rating of the store after a department order is paid (as LKPP's SIKaP asks):
quality, timeliness, quantity and service on a 1–4 scale, with a note.

Rules kept here:
- only a paid department order (treasury payment recorded) is rated; only its purchaser or
  an approver (PPK) of its department rates it (anyone else: 404); once per order (the
  unique order_id makes two at once fail: the second is told it was rated);
- the store's rating is the average of its ratings' scores (each the mean of the four
  aspects) and their count; below STORE_RATING_FLAG_BELOW the store is flagged on its
  mentor's desk, and the mentor is told when a rating takes it below;
- a personal order keeps the buyer's product review as it is.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.authz import is_approver
from app.extensions import db
from app.models import RATING_ASPECTS, DepartmentPurchase, Order, Store, StoreRating
from app.services import Conflict, Invalid, NotFound, audit
from app.services import notifications as notify
from app.services.order_flow import add_event
from app.urls import path_for

notify.KIND_TEXTS.update({
    "store_rated": _l("%(rater)s rated your store for order %(number)s: %(score)s of 4."),
    "store_rating_low": _l("%(store)s is rated %(average)s of 4 on average (%(count)s ratings): below the "
                           "threshold of %(threshold)s."),
})


@dataclass(frozen=True)
class RatingSummary:
    average: float | None
    count: int
    flagged: bool

    @property
    def shown(self) -> str:
        return f"{self.average:.1f}" if self.average is not None else ""


def threshold() -> float:
    return float(current_app.config.get("STORE_RATING_FLAG_BELOW", 2.5))


def _score_sql():
    return (StoreRating.quality + StoreRating.timeliness + StoreRating.quantity + StoreRating.service) / 4.0


def summaries_of(store_ids) -> dict[int, RatingSummary]:
    """{store id: RatingSummary} in one query; stores without ratings: average None, count 0."""
    ids = list(store_ids)
    found = {}
    if ids:
        rows = db.session.execute(
            db.select(StoreRating.store_id, db.func.avg(_score_sql()), db.func.count(StoreRating.id))
            .where(StoreRating.store_id.in_(ids)).group_by(StoreRating.store_id)
        ).all()
        limit = threshold()
        for store_id, average, count in rows:
            average = float(average)
            found[store_id] = RatingSummary(average, int(count), average < limit)
    return {i: found.get(i, RatingSummary(None, 0, False)) for i in ids}


def summary_of(store_id) -> RatingSummary:
    return summaries_of([store_id])[store_id]


def rating_of(order_id):
    return db.session.execute(db.select(StoreRating).where(StoreRating.order_id == order_id)).scalar_one_or_none()


def may_rate(user, purchase) -> bool:
    """Whether ``user`` may rate ``purchase``'s store now (paid, not rated, a party)."""
    order = purchase.order
    return (order.payment_method == "department" and order.payment_state == "paid" and order.state == "completed"
            and (purchase.requester_id == user.id or is_approver(user, purchase.department_id))
            and rating_of(order.id) is None)


def rate_store(user, order_id, scores: dict, note=""):
    """The purchaser or a PPK rates the store of a paid department order, once. Commits."""
    purchase = db.session.execute(
        db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order_id)
    ).scalar_one_or_none()
    if purchase is None or not (purchase.requester_id == user.id or is_approver(user, purchase.department_id)):
        raise NotFound(_("This department order does not exist."))
    order = purchase.order
    if order.state != "completed" or order.payment_state != "paid":
        raise Conflict(_("Order %(number)s can be rated once the treasury has paid it.", number=order.number))
    if rating_of(order.id) is not None:
        raise Conflict(_("The store has already been rated for order %(number)s.", number=order.number))
    values = {}
    for aspect in RATING_ASPECTS:
        value = scores.get(aspect)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
            raise Invalid(_("Rate each aspect from 1 to 4."))
        values[aspect] = value
    note = (note or "").strip()
    if len(note) > 2000:
        raise Invalid(_("Keep the note under 2000 characters."))
    before = summary_of(order.store_id)
    rating = StoreRating(order_id=order.id, store_id=order.store_id, rater_id=user.id, note=note, **values)
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("The store has already been rated for order %(number)s.", number=order.number)) from None
    score = f"{rating.score:.1f}"
    add_event(order, "store_rated", order.state, order.state, user, f"{score}/4" + (f": {note}" if note else ""))
    audit.record(user, "store.rated", rating, after={"order": order.number, **values, "note": note})
    for member in notify.store_people(order.store_id)[0]:
        notify.add(member, "store_rated", link=path_for("sales.detail", order_id=order.id), rater=user.full_name,
                   number=order.number, score=score)
    db.session.flush()
    after = summary_of(order.store_id)
    store = db.session.get(Store, order.store_id)
    if after.flagged and not before.flagged and store is not None and store.mentor is not None:
        notify.add(store.mentor, "store_rating_low", link=path_for("mentor.store", store_id=store.id),
                   store=store.name, average=after.shown, count=after.count, threshold=f"{threshold():.1f}")
    db.session.commit()
    return rating


def ratings_of_store(store_id, limit=10):
    return db.session.execute(
        db.select(StoreRating).where(StoreRating.store_id == store_id)
        .options(db.joinedload(StoreRating.order).load_only(Order.number), db.joinedload(StoreRating.rater))
        .order_by(StoreRating.created_at.desc(), StoreRating.id.desc()).limit(limit)
    ).scalars().all()
