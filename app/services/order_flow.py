"""The order's state machine: the transitions table, the guarded move from state to state,
the timeline event, and the stock an order takes and gives back.

A module of its own, below the payment methods and the features that move orders
(department purchases, card payments), so that each of them imports it directly: it needs
only the payment methods' registry, never their code.

Rules kept here:
- transitions are the table ``TRANSITIONS``: (state, action) -> (new state, who may do
  it). Anything else is a Conflict (409) and changes nothing;
- the state change itself is a guarded UPDATE (``WHERE state = :old``), so two people
  acting at once cannot both move the order (or return its stock twice);
- cancelling, declining, refusing or expiring returns the stock of every item.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import text

from flask import current_app

from app import clock
from app.extensions import db
from app.labels import ORDER_STATE_LABELS
from app.models import Order, OrderEvent, OrderState, Product, ProductVariant
from app.orm import rows_matched, utcnow
from app.services import Conflict, audit, low_stock
from app.services import notifications as notify
from app.services import payment_registry as payments
from app.services import working_days

# state -> {action: (new state, side that may do it)}; side: buyer, store, system, approver.
TRANSITIONS = {
    OrderState.AWAITING_PAYMENT: {
        "payment_confirmed": (OrderState.PLACED, "system"),
        "cancel": (OrderState.CANCELLED, "buyer"),
        "expire": (OrderState.EXPIRED, "system"),
    },
    OrderState.AWAITING_APPROVAL: {
        "approve": (OrderState.PLACED, "approver"),
        "refuse": (OrderState.REFUSED, "approver"),
        "cancel": (OrderState.CANCELLED, "buyer"),
        "expire": (OrderState.EXPIRED, "system"),
    },
    OrderState.PLACED: {
        "accept": (OrderState.ACCEPTED, "store"),
        "decline": (OrderState.DECLINED, "store"),
        "cancel": (OrderState.CANCELLED, "buyer"),
        # Not accepted or declined by its deadline (answer_deadline): it expires by itself.
        "answer_timeout": (OrderState.EXPIRED, "system"),
    },
    OrderState.ACCEPTED: {"mark_ready": (OrderState.READY, "store")},
    OrderState.READY: {"mark_delivered": (OrderState.DELIVERED, "store")},
    OrderState.DELIVERED: {
        "confirm_receipt": (OrderState.COMPLETED, "buyer"),
        "auto_complete": (OrderState.COMPLETED, "system"),
        # Department purchase: the purchaser confirms the handover record (BAST).
        "confirm_bast": (OrderState.INVOICED, "buyer"),
        # The store answers a problem report by delivering again (app.services.problem_reports).
        "replace": (OrderState.READY, "store"),
    },
    OrderState.INVOICED: {"record_treasury_payment": (OrderState.COMPLETED, "admin")},
    OrderState.COMPLETED: {},
    OrderState.CANCELLED: {},
    OrderState.DECLINED: {},
    OrderState.EXPIRED: {},
    OrderState.REFUSED: {},
}
# Orders the store must not start on yet: a card order unpaid, a department order unapproved.
WAITING_STATES = (OrderState.AWAITING_PAYMENT, OrderState.AWAITING_APPROVAL)
STOCK_RETURNING = {OrderState.CANCELLED, OrderState.DECLINED, OrderState.EXPIRED, OrderState.REFUSED}
# state -> the timestamp column set on entering it
STATE_TIMESTAMPS = {
    OrderState.PLACED: "placed_at",
    OrderState.ACCEPTED: "accepted_at",
    OrderState.READY: "ready_at",
    OrderState.DELIVERED: "delivered_at",
    OrderState.COMPLETED: "completed_at",
    OrderState.CANCELLED: "cancelled_at",
    OrderState.EXPIRED: "cancelled_at",
    OrderState.DECLINED: "declined_at",
    OrderState.REFUSED: "declined_at",
}
# The steps a normal order goes through, for the progress display.
HAPPY_PATH = ("placed", "accepted", "ready", "delivered", "completed")


# Actions a page never offers as a plain button: another service drives them with its own form.
DRIVEN_ACTIONS = {"replace", "answer_timeout"}


def answer_working_days(order) -> int:
    """Working days the store has to accept or decline ``order`` (settings)."""
    key = "ORDER_ANSWER_DAYS_DEPARTMENT" if order.payment_method == "department" else "ORDER_ANSWER_DAYS_PERSONAL"
    return int(current_app.config.get(key, 3 if order.payment_method == "department" else 1))


def answer_deadline(order, holidays=None):
    """When a placed order not accepted or declined expires: the end of its answer working
    days after it was placed (Pontianak time); the stored deadline when it has one."""
    if order.answer_due_at is not None:
        return order.answer_due_at
    placed = order.placed_at or order.created_at
    return working_days.end_of_working_days(placed, answer_working_days(order), holidays)


def allowed_actions(order, side):
    """Actions ``side`` (buyer/store) may take on ``order`` now."""
    method = payments.get(order.payment_method)
    return [a for a, (_new, who) in TRANSITIONS.get(order.state, {}).items()
            if who == side and a not in DRIVEN_ACTIONS and (method is None or method.allows(order, a))]


# ------------------------------------------------------------------ stock


def take_stock(product_id, quantity, by_variant: dict[int, int] | None = None) -> bool:
    """Take ``quantity`` of a product if that much is in stock and the product is still
    visible; False (the caller rolls back) otherwise. ``by_variant`` says which variants
    ({variant id: quantity}, summing to ``quantity``); without it, the product's one
    default variant. Guarded UPDATEs: each variant (``WHERE stock >= q`` and not retired),
    in ascending id, then the product's total once (``WHERE stock >= q`` and visible). On
    PostgreSQL a concurrent checkout waits for the row lock and re-checks the condition on
    the committed row, so no stock goes below zero; callers take products in ascending id,
    so locks are always taken in the order (product's variants, product) and cannot deadlock."""
    if by_variant is None:
        active = db.session.execute(
            db.select(ProductVariant.id).where(ProductVariant.product_id == product_id,
                                               ProductVariant.retired.is_(False))
        ).scalars().all()
        if len(active) != 1:
            return False
        by_variant = {active[0]: quantity}
    for variant_id in sorted(by_variant):
        wanted = by_variant[variant_id]
        result = db.session.execute(
            db.update(ProductVariant)
            .where(ProductVariant.id == variant_id, ProductVariant.product_id == product_id,
                   ProductVariant.retired.is_(False), ProductVariant.stock >= wanted)
            .values(stock=ProductVariant.stock - wanted)
            .execution_options(synchronize_session=False)
        )
        if rows_matched(result) != 1:
            return False
    result = db.session.execute(
        db.update(Product)
        .where(Product.id == product_id, Product.stock >= quantity, Product.visible_condition(clock.today()))
        .values(stock=Product.stock - quantity, sold_count=Product.sold_count + quantity)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


def return_stock(order):
    """Give back the stock of every item of ``order`` to its variant (products removed since
    are skipped); the product's total counts it only while the variant is not retired."""
    for item in sorted(order.items, key=lambda i: (i.product_id or 0, i.variant_id or 0)):
        if item.product_id is None:
            continue
        counted = True
        variant_id = item.variant_id
        if variant_id is None:
            # A line written without its variant (as the demo data does): the product's
            # default variant, if it has no options.
            variant_id = db.session.execute(
                db.select(ProductVariant.id).where(ProductVariant.product_id == item.product_id,
                                                   ProductVariant.option_key == "",
                                                   ProductVariant.retired.is_(False))).scalar()
        if variant_id is not None:
            db.session.execute(text("UPDATE product_variants SET stock = stock + :q WHERE id = :id"),
                               {"q": item.quantity, "id": variant_id})
            retired = db.session.execute(
                db.select(ProductVariant.retired).where(ProductVariant.id == variant_id)).scalar()
            counted = retired is False
        db.session.execute(
            text("UPDATE products SET stock = stock + :s, "
                 "sold_count = CASE WHEN sold_count >= :q THEN sold_count - :q ELSE 0 END WHERE id = :id"),
            {"s": item.quantity if counted else 0, "q": item.quantity, "id": item.product_id},
        )
    low_stock.rearm_variants([i.variant_id for i in order.items if i.variant_id is not None])


# ------------------------------------------------------------------ transitions


def add_event(order, action, from_state, to_state, actor, note=""):
    event = OrderEvent(order=order, action=action, from_state=from_state, to_state=to_state,
                       actor_id=getattr(actor, "id", None), note=note or "")
    db.session.add(event)
    return event


def apply_transition(order, action, actor, side, note=""):
    """Move ``order`` by ``action`` done by ``side``; no commit (payment methods of other
    features call this inside their own service). Raises Conflict when not allowed."""
    step = TRANSITIONS.get(order.state, {}).get(action)
    method = payments.get(order.payment_method)
    if step is None or step[1] != side or (method is not None and not method.allows(order, action)):
        raise Conflict(_("Order %(number)s cannot be changed this way while it is %(state)s.",
                         number=order.number, state=ORDER_STATE_LABELS.get(order.state, order.state)))
    old, new = order.state, step[0]
    result = db.session.execute(
        db.update(Order).where(Order.id == order.id, Order.state == old)
        .values(state=new, updated_at=utcnow()).execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        db.session.rollback()
        raise Conflict(_("Order %(number)s was changed by someone else. Reload the page.", number=order.number))
    order.state = new
    stamp = STATE_TIMESTAMPS.get(new)
    if stamp:
        setattr(order, stamp, utcnow())
    if new == OrderState.PLACED and old != OrderState.PLACED:
        order.answer_due_at = None
        order.answer_due_at = answer_deadline(order)
    if action == "decline":
        order.decline_reason = note
    if action in ("cancel", "refuse", "expire", "answer_timeout"):
        order.cancel_reason = note
    if new in STOCK_RETURNING:
        return_stock(order)
        if method is not None:
            method.on_order_closed(order, actor, action)
    add_event(order, action, old, new, actor, note)
    audit.record(actor, f"order.{action}", order, before={"state": old}, after={"state": new}, note=note or "")
    notify.order_state_changed(order, action, side, note)
    if method is not None:
        method.on_transition(order, action, old, new, actor)
    return order
