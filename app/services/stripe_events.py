"""Stripe webhook events, each processed once.

Rules kept here:
- the event is verified (signature and a timestamp at most 5 minutes old) before
  anything is read from it;
- its id is stored in the same transaction as its effects; a second delivery finds it
  processed and changes nothing; two deliveries at the same moment collide on the
  unique event id and the loser's transaction is rolled back;
- the event is a trigger, Stripe is the truth: the PaymentIntent or the charge's
  refunds are re-read from Stripe and applied, so events arriving twice or out of order
  (a refund before the payment succeeded) end in the same state as in order;
- events of other types are stored and acknowledged.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from app import clock
from app.extensions import db
from app.models import CardPayment, StripeEvent
from app.services import stripe_gateway as gateway

log = logging.getLogger("pkb.payments")

HANDLED = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.processing",
    "charge.refunded",
    "charge.refund.updated",
    "refund.created",
    "refund.updated",
    "refund.failed",
)


def process_event(event) -> str:
    """Apply one verified event. Returns "processed", "duplicate", "ignored" or "unknown" (a
    refund Stripe itself does not know: stored and acknowledged, nothing changes)."""
    from app.services import refunds
    from app.services.payments.card import sync_intent

    event_id = gateway.field(event, "id")
    event_type = gateway.field(event, "type", "")
    obj = gateway.field(gateway.field(event, "data"), "object")
    object_id = gateway.field(obj, "id", "") or ""
    existing = db.session.execute(
        db.select(StripeEvent).where(StripeEvent.event_id == event_id)
    ).scalar_one_or_none()
    if existing is not None and existing.processed_at is not None:
        return "duplicate"
    try:
        row = existing or StripeEvent(event_id=event_id, type=event_type, object_id=object_id)
        db.session.add(row)
        db.session.flush()  # a concurrent delivery of the same event fails here or at commit
        changes = []
        if event_type not in HANDLED:
            outcome = "ignored"
        else:
            outcome = "processed"
            if event_type.startswith("payment_intent."):
                payment = _payment(object_id)
                if payment is not None:
                    changes += sync_intent(payment)
            elif event_type == "charge.refunded":
                payment = _payment(gateway.object_id(gateway.field(obj, "payment_intent")))
                if payment is not None:
                    if payment.status != "succeeded":
                        changes += sync_intent(payment)
                    for stripe_refund in gateway.list_refunds(payment.intent_id):
                        change = refunds.apply_stripe_refund(stripe_refund)
                        if change:
                            changes.append(change)
            else:  # refund.* / charge.refund.updated: the refund itself, re-read
                stripe_refund = _refund(object_id)
                if stripe_refund is None:
                    outcome = "unknown"
                else:
                    change = refunds.apply_stripe_refund(stripe_refund)
                    if change:
                        changes.append(change)
        row.processed_at = clock.now()
        row.summary = {"outcome": outcome, "changes": changes[:50]}
        db.session.commit()
        return outcome
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    except Exception:
        db.session.rollback()
        raise


def _refund(refund_id):
    """Stripe's copy of the refund, or None when Stripe refuses the request (no such refund in
    this account): retrying cannot change that, and an error answer would have Stripe deliver
    the event again for days. Only an unreachable Stripe is worth a retry."""
    try:
        return gateway.retrieve_refund(refund_id)
    except gateway.InvalidRequestError as error:
        log.warning("event for a refund Stripe does not know: %s (%s)", refund_id, type(error).__name__)
        return None


def _payment(intent_id):
    if not intent_id:
        return None
    payment = db.session.execute(
        db.select(CardPayment).where(CardPayment.intent_id == intent_id)
    ).scalar_one_or_none()
    if payment is None:
        log.info("event for an intent we do not know: %s", intent_id)
    return payment
