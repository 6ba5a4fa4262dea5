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

from flask_babel import gettext as _

from app import clock
from app.extensions import db
from app.models import CardPayment, Order, Refund
from app.services import Invalid, NotAllowed, NotFound, audit
from app.services import ledger
from app.services import stripe_gateway as gateway
from app.services.payments.card import _lock, _may_have_foreign_refunds, reconcile_intents, sync_intent

log = logging.getLogger("pkb.payments")

# What can be refunded and asking for a refund live below the card payment method, which
# asks for refunds of closed orders; this module sends them to Stripe and settles them.
from app.services.refund_requests import (  # noqa: E402,F401
    PAID_STATES,
    _lock_order,
    card_payment_of,
    refundable_amount,
    refunded_amount,
    request_refund,
    reserved_amount,
)


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
        status = getattr(error, "http_status", None)
        if status and 400 <= status < 500 and status != 429:
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


def reconcile():
    """Re-read from Stripe every intent not in a final state and every refund not settled,
    and apply what the webhooks would have (``flask payments reconcile``, every 15 minutes).
    Commits per payment. Returns the changes."""
    changes = reconcile_intents()
    # Refunds: the ones never sent, and those Stripe has not settled when we last asked.
    for refund_id in db.session.execute(
        db.select(Refund.id).where(Refund.status == "pending").order_by(Refund.id)
    ).scalars().all():
        try:
            refund = submit_refund(refund_id)
            if refund is not None:
                changes.append(f"refund {refund_id}: sent ({refund.status})")
        except gateway.StripeError as error:
            changes.append(f"refund {refund_id}: Stripe unreachable ({error})")
    payment_ids = db.session.execute(
        db.select(CardPayment.id).where(CardPayment.status == "succeeded").order_by(CardPayment.id)
    ).scalars().all()
    for payment_id in payment_ids:
        payment = db.session.get_one(CardPayment, payment_id)
        if not payment.intent_id or (not payment.refunds and not _may_have_foreign_refunds(payment)):
            continue  # without an intent nothing was charged, so Stripe holds no refund of it
        try:
            for stripe_refund in gateway.list_refunds(payment.intent_id):
                change = apply_stripe_refund(stripe_refund)
                if change:
                    changes.append(change)
            db.session.commit()
        except gateway.StripeError as error:
            db.session.rollback()
            changes.append(f"payment {payment_id}: Stripe unreachable ({error})")
    return changes
