"""How much of a card order can still be refunded, and asking for a refund: a ``pending``
refund row in the caller's transaction, sent to Stripe by a job after the commit
(app.services.refunds sends and settles it). Below the card payment method, which asks
for refunds of orders closed after they were paid.
"""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import func

from app.extensions import db
from app.jobs import enqueue
from app.models import CardPayment, Order, Refund
from app.services import Conflict, Invalid, audit

PAID_STATES = ("paid", "partially_refunded")


def _lock_order(order_id):
    return db.session.execute(
        db.select(Order).where(Order.id == order_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def reserved_amount(order_id) -> int:
    """What is refunded or on its way back for the order."""
    return int(db.session.execute(
        db.select(func.coalesce(func.sum(Refund.amount), 0))
        .where(Refund.order_id == order_id, Refund.status.in_(("pending", "submitted", "succeeded")))
    ).scalar_one())


def refunded_amount(order_id) -> int:
    return int(db.session.execute(
        db.select(func.coalesce(func.sum(Refund.amount), 0))
        .where(Refund.order_id == order_id, Refund.status == "succeeded")
    ).scalar_one())


def refundable_amount(order) -> int:
    if order.payment_method != "card" or order.payment_state not in PAID_STATES:
        return 0
    return max(0, (order.payment_amount or order.total) - reserved_amount(order.id))


def card_payment_of(order):
    if order.checkout_attempt_id is None:
        return None
    return db.session.execute(
        db.select(CardPayment).where(CardPayment.checkout_attempt_id == order.checkout_attempt_id)
    ).scalar_one_or_none()


def request_refund(order, amount, reason, actor=None):
    """Record a pending refund of ``amount`` rupiah for ``order`` and send it to Stripe
    after the commit. No commit here. Raises Invalid/Conflict when it cannot be."""
    order = _lock_order(order.id)
    payment = card_payment_of(order)
    if payment is None or payment.status != "succeeded" or order.payment_state not in PAID_STATES:
        raise Conflict(_("Order %(number)s has no card payment to refund.", number=order.number))
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid(_("Enter an amount in whole rupiah, more than zero."))
    left = refundable_amount(order)
    if amount > left:
        raise Invalid(_("At most %(amount)s can still be refunded for order %(number)s.",
                        amount=f"Rp {left:,}".replace(",", "."), number=order.number))
    refund = Refund(card_payment_id=payment.id, order_id=order.id, amount=amount, status="pending",
                    reason=(reason or "")[:500], requested_by_id=getattr(actor, "id", None),
                    idempotency_key=f"pkb-refund-{order.id}-{secrets.token_urlsafe(12)}")
    db.session.add(refund)
    db.session.flush()
    audit.record(actor, "payment.refund_requested", order, after={"refund": refund.id, "amount": amount,
                                                                  "reason": refund.reason})
    # Named by its path: the refunds module sends it, and it sits above this one.
    enqueue("app.services.refunds:submit_refund", refund.id)
    return refund
