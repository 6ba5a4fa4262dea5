"""Card payment (Stripe): one PaymentIntent in IDR for a whole checkout.

Rules kept here:
- the orders start ``awaiting_payment`` with their stock held; placing them writes a
  CardPayment (no network call inside the placing transaction); the payment page creates
  the PaymentIntent with the checkout's idempotency key, so a reload or a retry never
  makes a second one;
- an order is marked paid only from Stripe's own word about the PaymentIntent
  (``sync_intent``: the webhook, reconciliation, the expiry sweep), never from the
  browser; applying the same state twice changes nothing (the ledger's entry keys and
  the guarded order transition make sure of it);
- the money captured is allocated to the checkout's orders; an order closed before the
  money arrived (expired, cancelled) is paid and then refunded in full;
- unpaid after ``CARD_PAYMENT_TIMEOUT_MINUTES`` (30): the intent is cancelled at Stripe
  first, then the orders expire and their stock returns;
- closing a paid order (cancel, decline) refunds what is left of its share.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.parsing import is_ascii_number
from app import clock
from app.extensions import db
from app.models import CardPayment, CheckoutAttempt, Order
from app.models.payment import INTENT_FINAL_STATES
from app.jobs import enqueue
from app.services import refund_requests as refunds
from app.services.order_flow import apply_transition
from app.services import Conflict, DomainError, Invalid, NotFound, audit
from app.services import ledger
from app.services import stripe_gateway as gateway
from app.services.payments.base import PaymentMethod

log = logging.getLogger("pkb.payments")


class CardMethod(PaymentMethod):
    code = "card"
    label = _l("Card (Visa, Mastercard)")
    description = _l("Pay now by debit or credit card. The stores start on your order once the payment is confirmed.")
    position = 20
    initial_state = "awaiting_payment"
    initial_payment_state = "due"

    def available_for(self, user, cart) -> bool:
        return gateway.enabled()

    def start(self, checkout, orders) -> str | None:
        payment = CardPayment(checkout_attempt_id=checkout.id, buyer_id=checkout.buyer_id,
                              amount=sum(o.total for o in orders), status="new",
                              idempotency_key=f"pkb-checkout-{checkout.id}-{checkout.idempotency_key}")
        db.session.add(payment)
        return url_for("payments_web.pay", checkout_id=checkout.id)

    def on_order_closed(self, order, actor, action) -> None:
        if order.payment_state in refunds.PAID_STATES:
            left = refunds.refundable_amount(order)
            if left > 0:
                reasons = {"cancel": _("Order cancelled"), "decline": _("Order declined by the store"),
                           "refuse": _("Order refused"), "answer_timeout": _("The store did not answer in time")}
                refunds.request_refund(order, left, reasons.get(action, action), actor)
            return
        if order.payment_state == "due":
            order.payment_state = "none"
            payment = _payment_of_checkout(order.checkout_attempt_id)
            if payment is not None and not payment.is_final:
                # When nothing of the checkout is left to pay, cancel the intent (after commit).
                enqueue(settle_abandoned_intent, payment.id)


card_method = CardMethod()


# ------------------------------------------------------------------ loading


def _payment_of_checkout(checkout_id):
    if checkout_id is None:
        return None
    return db.session.execute(
        db.select(CardPayment).where(CardPayment.checkout_attempt_id == checkout_id)
    ).scalar_one_or_none()


def payment_for_buyer(buyer, checkout_id) -> CardPayment:
    payment = db.session.execute(
        db.select(CardPayment).join(CheckoutAttempt, CheckoutAttempt.id == CardPayment.checkout_attempt_id)
        .where(CardPayment.checkout_attempt_id == checkout_id, CheckoutAttempt.buyer_id == buyer.id)
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound(_("This payment does not exist."))
    return payment


def _lock(payment_id) -> CardPayment:
    return db.session.execute(
        db.select(CardPayment).where(CardPayment.id == payment_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _kkpd_due(order) -> bool:
    """A department order paid by the department's card (KKPD): due once approved, while live."""
    return (order.payment_method == "department" and order.payment_state == "due"
            and order.state in ("placed", "accepted", "ready", "delivered"))


def amount_due(payment) -> int:
    """What is still to be paid: the orders of the checkout still awaiting payment (and
    approved department orders paid by the department's card)."""
    return sum(o.total for o in payment.orders if o.state == "awaiting_payment" or _kkpd_due(o))


# ------------------------------------------------------------------ the payment page


def prepare_intent(buyer, checkout_id):
    """The buyer opens the payment page: create the PaymentIntent once (same idempotency
    key on every try), keep its amount equal to what is still due. Commits. Returns
    (payment, intent or None)."""
    payment = payment_for_buyer(buyer, checkout_id)
    if payment.is_final:
        return payment, None
    due = amount_due(payment)
    if payment.intent_id is None:
        if due <= 0:
            return payment, None
        orders = payment.orders
        intent = gateway.create_payment_intent(
            amount=due, idempotency_key=payment.idempotency_key,
            metadata={"checkout_id": payment.checkout_attempt_id,
                      "orders": ",".join(o.number for o in orders if o.state == "awaiting_payment"),
                      "order_ids": ",".join(str(o.id) for o in orders if o.state == "awaiting_payment"),
                      "buyer_id": buyer.id},
        )
        # Guarded: a concurrent page load got the same intent back (same key).
        db.session.execute(
            db.update(CardPayment).where(CardPayment.id == payment.id, CardPayment.intent_id.is_(None))
            .values(intent_id=gateway.field(intent, "id"), amount=due,
                    status=gateway.field(intent, "status", "requires_payment_method"))
            .execution_options(synchronize_session=False)
        )
        audit.record(buyer, "payment.intent_created", payment,
                     after={"intent": gateway.field(intent, "id"), "amount": due})
        db.session.commit()
        db.session.refresh(payment)
        return payment, intent
    intent = gateway.retrieve_payment_intent(payment.intent_id)
    status = gateway.field(intent, "status")
    if due > 0 and due != payment.amount and status in ("requires_payment_method", "requires_confirmation"):
        # An order of the checkout was cancelled before paying: ask only for the rest.
        intent = gateway.update_payment_intent_amount(payment.intent_id, due)
        # The status itself is only ever written by sync_intent (Stripe's word, locked).
        db.session.execute(
            db.update(CardPayment).where(CardPayment.id == payment.id, CardPayment.status.not_in(INTENT_FINAL_STATES))
            .values(amount=due).execution_options(synchronize_session=False)
        )
        db.session.commit()
        db.session.refresh(payment)
    return payment, intent


def pay_with_test_card(buyer, checkout_id, number: str | None, exp_month: int | None, exp_year: int | None,
                       cvc: str | None):
    """Stand-in only: confirm the intent server-side with a test card. Never marks the
    orders paid: the webhook (or reconciliation) does, from Stripe's word. Returns the
    intent's status; raises Invalid for a declined card."""
    if not gateway.uses_stand_in():
        raise NotFound(_("This payment form is only for the test stand-in."))
    number = "".join((number or "").split())
    if not (is_ascii_number(number) and len(number) == 16):
        raise Invalid(_("Enter the 16 digits of the card number."))
    if not isinstance(exp_month, int) or not isinstance(exp_year, int):
        raise Invalid(_("Enter the card's expiry month and year."))
    if exp_year < 100:
        exp_year += 2000
    if not (1 <= exp_month <= 12) or (exp_year, exp_month) < (clock.today().year, clock.today().month):
        raise Invalid(_("Enter the card's expiry month and year; the card must not have expired."))
    if not (is_ascii_number(cvc) and len(cvc) == 3):
        raise Invalid(_("Enter the 3-digit security code."))
    payment, intent = prepare_intent(buyer, checkout_id)
    if intent is None or payment.is_final:
        raise Conflict(_("There is nothing left to pay for this checkout."))
    if gateway.field(intent, "status") not in ("requires_payment_method", "requires_confirmation"):
        return gateway.field(intent, "status")
    try:
        intent = gateway.confirm_with_test_card(payment.intent_id, number, exp_month, exp_year, cvc, buyer.email)
    except gateway.CardError as error:
        payment = _lock(payment.id)
        payment.last_error = str(error.user_message or error)[:500]
        audit.record(buyer, "payment.declined", payment, after={"code": error.code})
        db.session.commit()
        raise Invalid(_("Your card was declined. Your orders are still waiting for payment: try another card.")) \
            from None
    except gateway.InvalidRequestError as error:
        log.warning("test card confirm refused for %s: %s", payment.intent_id, error)
        raise Conflict(_("This payment cannot be confirmed in its current state. Reload the page and try again.")) \
            from None
    return gateway.field(intent, "status")


def read_true_state(buyer, checkout_id):
    """The return page: re-read the intent from Stripe and say what is true, changing
    nothing here. Returns (payment, stripe status or None, orders)."""
    payment = payment_for_buyer(buyer, checkout_id)
    status = None
    if payment.intent_id:
        try:
            status = gateway.field(gateway.retrieve_payment_intent(payment.intent_id), "status")
        except gateway.StripeError:
            status = None
    return payment, status, payment.orders


# ------------------------------------------------------------------ applying Stripe's word


def sync_intent(payment, intent=None):
    """Apply the PaymentIntent's state (re-read from Stripe unless given) to the payment
    and its orders. Once-only and forward-only. No commit. Returns a list of changes."""
    payment = _lock(payment.id)
    if intent is None:
        intent = gateway.retrieve_payment_intent(payment.intent_id)
    status = gateway.field(intent, "status", "")
    changes: list[str] = []
    if payment.status == "succeeded":
        return changes  # final; refunds are applied on their own
    if status == "succeeded":
        received = gateway.from_stripe(gateway.field(intent, "amount_received", 0)
                                       or gateway.field(intent, "amount", 0))
        payment.status = "succeeded"
        payment.amount_captured = received
        payment.succeeded_at = clock.now()
        payment.last_error = ""
        changes.append(f"{payment.intent_id}: succeeded ({received})")
        changes.extend(_allocate(payment, received))
    elif status == "canceled":
        payment.status = "canceled"
        payment.canceled_at = payment.canceled_at or clock.now()
        changes.append(f"{payment.intent_id}: canceled")
        changes.extend(_expire_orders(payment, _("The card payment was cancelled.")))
    elif status and status != payment.status:
        error = gateway.field(intent, "last_payment_error")
        if error:
            payment.last_error = str(gateway.field(error, "message", "") or "")[:500]
        changes.append(f"{payment.intent_id}: {payment.status} → {status}")
        payment.status = status
    return changes


def _allocate(payment, received):
    """Give each order of the checkout its share of the money received: the orders still
    waiting first, then closed ones (which are refunded at once)."""

    changes = []
    left = received
    orders = sorted(payment.orders, key=lambda o: (o.state != "awaiting_payment" and not _kkpd_due(o), o.id))
    for order in orders:
        if order.payment_state not in ("due", "none") or order.total > left:
            continue
        kkpd = _kkpd_due(order)
        left -= order.total
        order.payment_state = "paid"
        order.payment_amount = order.total
        order.paid_at = clock.now()
        ledger.credit_order_paid(order, payment)
        if kkpd:
            # The department's card paid an approved order: the store goes on; the purchase records it.
            from app.services import procurement

            procurement.on_card_paid(order, payment)
            changes.append(f"{order.number}: paid by the department's card")
        elif order.state == "awaiting_payment":
            apply_transition(order, "payment_confirmed", None, "system")
            changes.append(f"{order.number}: paid")
        else:
            db.session.flush()
            refunds.request_refund(order, order.total, _("Paid after the order was closed"))
            changes.append(f"{order.number}: paid after it was {order.state}; refund requested")
    if left:
        log.error("payment %s: %s rupiah received but not allocated to an order", payment.intent_id, left)
        changes.append(f"{payment.intent_id}: {left} not allocated")
    return changes


def _expire_orders(payment, note):

    changes = []
    for order in payment.orders:
        if order.state == "awaiting_payment":
            apply_transition(order, "expire", None, "system", note)
            changes.append(f"{order.number}: expired")
    return changes


def cancel_intent(payment) -> list:
    """Cancel the intent at Stripe (first), then expire what still waits. If the intent
    succeeded meanwhile, apply that instead. No commit."""
    changes = []
    if payment.intent_id:
        try:
            intent = gateway.cancel_payment_intent(payment.intent_id, f"{payment.idempotency_key}-cancel")
        except gateway.StripeError:
            intent = gateway.retrieve_payment_intent(payment.intent_id)
        status = gateway.field(intent, "status")
        if status != "canceled":
            return sync_intent(payment, intent)
        changes += sync_intent(payment, intent)
    else:
        payment = _lock(payment.id)
        payment.status = "canceled"
        payment.canceled_at = clock.now()
        changes.append(f"checkout {payment.checkout_attempt_id}: no intent, closed")
        changes += _expire_orders(payment, _("Not paid in time."))
    return changes


def settle_abandoned_intent(payment_id):
    """Job: every order of the checkout was closed before paying; cancel its intent."""
    payment = db.session.get(CardPayment, payment_id)
    if payment is None or payment.is_final or amount_due(payment) > 0:
        return []
    changes = cancel_intent(payment)
    db.session.commit()
    return changes


def expire_unpaid_card_orders(now=None):
    """Close card checkouts unpaid for longer than the timeout: re-read each intent; a
    paid one is applied, one still processing waits, others are cancelled at Stripe and
    their orders expire (stock returns). Commits per checkout. Returns the changes."""
    now = now or clock.now()
    cutoff = now - timedelta(minutes=int(current_app.config.get("CARD_PAYMENT_TIMEOUT_MINUTES", 30)))
    payment_ids = db.session.execute(
        db.select(CardPayment.id).join(Order, Order.checkout_attempt_id == CardPayment.checkout_attempt_id)
        .where(Order.state == "awaiting_payment", Order.payment_method == "card", Order.created_at <= cutoff,
               CardPayment.status.not_in(("succeeded",)))
        .distinct().order_by(CardPayment.id)
    ).scalars().all()
    changes = []
    for payment_id in payment_ids:
        payment = db.session.get_one(CardPayment, payment_id)
        try:
            if payment.intent_id:
                intent = gateway.retrieve_payment_intent(payment.intent_id)
                if gateway.field(intent, "status") == "processing":
                    continue
                if gateway.field(intent, "status") == "succeeded":
                    changes += sync_intent(payment, intent)
                    db.session.commit()
                    continue
            changes += cancel_intent(payment)
            db.session.commit()
        except (gateway.StripeError, DomainError) as error:
            db.session.rollback()
            log.warning("could not expire checkout %s: %s", payment_id, error)
            changes.append(f"checkout of payment {payment_id}: not settled now ({error}), left for later")
    return changes


def reconcile_intents():
    """Re-read every intent not in a final state from Stripe and apply what the webhook
    would have. Commits per payment. Returns changes (refunds: refunds.reconcile)."""

    changes = []
    open_ids = db.session.execute(
        db.select(CardPayment.id).where(CardPayment.intent_id.is_not(None),
                                        CardPayment.status.not_in(("succeeded", "canceled")))
        .order_by(CardPayment.id)
    ).scalars().all()
    for payment_id in open_ids:
        try:
            changes += sync_intent(db.session.get(CardPayment, payment_id))
            db.session.commit()
        except (gateway.StripeError, DomainError) as error:
            db.session.rollback()
            changes.append(f"payment {payment_id}: not settled now ({error}), left for later")
    return changes


def _may_have_foreign_refunds(payment):
    # Refunds made in Stripe's dashboard are only seen by webhook; checking every paid
    # intent on every run would be slow, so only recent ones are re-read.
    return payment.succeeded_at is not None and payment.succeeded_at >= clock.now() - timedelta(days=2)
