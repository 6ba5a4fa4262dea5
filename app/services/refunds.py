"""Refunds of card payments, one order's share at a time.

Rules kept here:
- a refund is for one order; the sum of its refunds that are pending, submitted or
  succeeded never exceeds what was paid for that order (Stripe would stop at the
  charge, not at the order; the stand-in does not stop at all), checked with the order
  row locked;
- the refund is first written here as ``pending`` in the same transaction as its cause
  (a cancelled order, an admin's decision), then sent to Stripe by a job that runs only
  after that commit, with an idempotency key of its own; ``flask payments reconcile``
  sends any that are still pending;
- the order's payment state and the ledger change only when Stripe says the refund
  succeeded (webhook, the refund call's answer, or reconciliation), once.
"""
from __future__ import annotations

import logging
import secrets

from flask_babel import gettext as _
from sqlalchemy import func

from app import clock
from app.extensions import db
from app.i18n import rupiah
from app.models import CardPayment, Order, Refund
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import ledger
from app.services import stripe_gateway as gateway

log = logging.getLogger("pkb.payments")

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
    from app.jobs import enqueue

    order = _lock_order(order.id)
    payment = card_payment_of(order)
    if payment is None or payment.status != "succeeded" or order.payment_state not in PAID_STATES:
        raise Conflict(_("Order %(number)s has no card payment to refund.", number=order.number))
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid(_("Enter an amount in whole rupiah, more than zero."))
    left = refundable_amount(order)
    if amount > left:
        raise Invalid(_("At most %(amount)s can still be refunded for order %(number)s.",
                        amount=rupiah(left), number=order.number))
    refund = Refund(card_payment_id=payment.id, order_id=order.id, amount=amount, status="pending",
                    reason=(reason or "")[:500], requested_by_id=getattr(actor, "id", None),
                    idempotency_key=f"pkb-refund-{order.id}-{secrets.token_urlsafe(12)}")
    db.session.add(refund)
    db.session.flush()
    audit.record(actor, "payment.refund_requested", order, after={"refund": refund.id, "amount": amount,
                                                                  "reason": refund.reason})
    enqueue(submit_refund, refund.id)
    return refund


def refund_order(admin, order_id, amount, reason):
    """An admin refunds part or all of a paid card order."""
    if not admin.has_role("admin"):
        raise NotAllowed(_("Only programme staff can refund orders."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for the refund."))
    if len(reason) > 500:
        raise Invalid(_("Keep the reason under 500 characters."))
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound(_("This order does not exist."))
    try:
        refund = request_refund(order, amount, reason, admin)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return refund


# ------------------------------------------------------------------ Stripe side


def submit_refund(refund_id):
    """Job: send a pending refund to Stripe (safe to run twice), then apply its answer."""
    refund = db.session.execute(db.select(Refund).where(Refund.id == refund_id).with_for_update()).scalar_one_or_none()
    if refund is None or refund.status != "pending":
        db.session.rollback()
        return None
    payment = refund.card_payment
    # A retry after a crash between Stripe's answer and our commit: find it by key first
    # (the stand-in ignores idempotency keys; Stripe would return the same refund).
    stripe_refund = None
    try:
        for existing in gateway.list_refunds(payment.intent_id):
            if gateway.field(gateway.field(existing, "metadata", {}), "refund_key") == refund.idempotency_key:
                stripe_refund = existing
                break
        if stripe_refund is None:
            stripe_refund = gateway.create_refund(
                intent_id=payment.intent_id, amount=refund.amount, idempotency_key=refund.idempotency_key,
                metadata={"refund_key": refund.idempotency_key, "order_id": refund.order_id,
                          "order_number": refund.order.number or ""},
            )
    except gateway.StripeError as error:
        if getattr(error, "http_status", None) and 400 <= error.http_status < 500 and error.http_status != 429:
            refund.status = "failed"
            refund.failure_reason = str(getattr(error, "user_message", None) or error)[:500]
            db.session.commit()
            log.warning("refund %s refused by Stripe: %s", refund.id, error)
            return refund
        db.session.rollback()
        log.warning("refund %s not sent yet (will retry): %s", refund_id, error)
        raise
    apply_stripe_refund(stripe_refund)
    db.session.commit()
    return refund


def apply_stripe_refund(stripe_refund):
    """Bring our refund in line with Stripe's. No commit. Returns a short description
    of what changed, or None."""
    refund_id = gateway.field(stripe_refund, "id")
    status = gateway.field(stripe_refund, "status", "")
    metadata = gateway.field(stripe_refund, "metadata", {}) or {}
    key = gateway.field(metadata, "refund_key")
    refund = db.session.execute(
        db.select(Refund).where(Refund.stripe_refund_id == refund_id).with_for_update()
    ).scalar_one_or_none()
    if refund is None and key:
        refund = db.session.execute(
            db.select(Refund).where(Refund.idempotency_key == key).with_for_update()
        ).scalar_one_or_none()
    if refund is None:
        refund = _adopt_foreign_refund(stripe_refund)
        if refund is None:
            return None
    changed = []
    if refund.stripe_refund_id is None:
        refund.stripe_refund_id = refund_id
        changed.append("linked")
    amount = gateway.from_stripe(gateway.field(stripe_refund, "amount", 0))
    if amount and amount != refund.amount:
        log.error("refund %s: Stripe amount %s ≠ ours %s", refund.id, amount, refund.amount)
    if status == "succeeded" and refund.status != "succeeded":
        _succeed(refund)
        changed.append("succeeded")
    elif status in ("failed", "canceled") and refund.status in ("pending", "submitted"):
        refund.status = status
        refund.failure_reason = str(gateway.field(stripe_refund, "failure_reason", "") or "")
        changed.append(status)
    elif status in ("pending", "requires_action") and refund.status == "pending":
        refund.status = "submitted"
        changed.append("submitted")
    return f"refund {refund.id} {'/'.join(changed)}" if changed else None


def _succeed(refund):
    """The money went back: the order's payment state and the ledger follow, once."""
    from app.services.payments.card import _lock, sync_intent

    # Locks in the one order every path takes (refund → payment → order): no deadlock.
    payment = _lock(refund.card_payment_id)
    if payment.status != "succeeded":
        # A refund reported before the payment itself: apply the payment first.
        sync_intent(payment)
    order = _lock_order(refund.order_id)
    refund.status = "succeeded"
    refund.succeeded_at = clock.now()
    db.session.flush()
    ledger.debit_refund(refund)
    refunded = refunded_amount(order.id)
    paid = order.payment_amount or order.total
    before = order.payment_state
    order.payment_state = "refunded" if refunded >= paid else "partially_refunded"
    audit.record(None, "payment.refunded", order, before={"payment_state": before},
                 after={"payment_state": order.payment_state, "refund": refund.id, "amount": refund.amount})


def _adopt_foreign_refund(stripe_refund):
    """A refund made outside the app (e.g. in Stripe's dashboard): record it against the
    order named in its metadata, or the first order of the payment with room for it."""
    intent_id = gateway.object_id(gateway.field(stripe_refund, "payment_intent"))
    if not intent_id:
        charge_id = gateway.object_id(gateway.field(stripe_refund, "charge"))
        if charge_id:
            intent_id = gateway.object_id(gateway.field(gateway.retrieve_charge(charge_id), "payment_intent"))
    payment = db.session.execute(
        db.select(CardPayment).where(CardPayment.intent_id == intent_id)
    ).scalar_one_or_none() if intent_id else None
    if payment is None:
        log.warning("refund %s for an unknown payment", gateway.field(stripe_refund, "id"))
        return None
    if payment.status != "succeeded":
        from app.services.payments.card import sync_intent

        sync_intent(payment)
    amount = gateway.from_stripe(gateway.field(stripe_refund, "amount", 0))
    metadata = gateway.field(stripe_refund, "metadata", {}) or {}
    wanted = str(gateway.field(metadata, "order_id", "") or "")
    candidates = [o for o in payment.orders if str(o.id) == wanted] or list(payment.orders)
    for order in candidates:
        if refundable_amount(order) >= amount:
            refund = Refund(card_payment_id=payment.id, order_id=order.id, amount=amount, status="submitted",
                            stripe_refund_id=gateway.field(stripe_refund, "id"),
                            idempotency_key=f"stripe-{gateway.field(stripe_refund, 'id')}",
                            reason=_("Refunded in Stripe"))
            db.session.add(refund)
            db.session.flush()
            return refund
    log.error("refund %s (%s) does not fit any order of payment %s", gateway.field(stripe_refund, "id"),
              amount, payment.intent_id)
    return None
