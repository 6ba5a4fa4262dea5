"""The order lifecycle.

Rules kept here:
- transitions are the table ``TRANSITIONS``: (state, action) -> (new state, who may do
  it). Anything else is a Conflict (409) and changes nothing;
- the state change itself is a guarded UPDATE (``WHERE state = :old``), so two people
  acting at once cannot both move the order (or return its stock twice);
- each transition writes an OrderEvent (the timeline) and an audit entry, notifies the
  other party, and commits once;
- cancelling, declining, refusing or expiring returns the stock of every item;
- a buyer sees only their orders, a seller only their store's: anything else is 404.
"""
from __future__ import annotations

import functools
from datetime import timedelta

from flask_babel import gettext as _

from app.urls import path_for
from app import clock
from app.authz import store_ids_of
from app.extensions import db
from app.orm import page_of, paginate_counting_less
from app.models import (
    Order,
    OrderEvent,
    OrderItem,
    OrderMessage,
    ProblemReport,
    Product,
    User,
)
from app.services import Conflict, Invalid, NotFound, audit
from app.services import notifications as notify
from app.services import payments  # noqa: F401 - registers the methods
from app.services.acceptance import ACTIVE_REPORT_STATES, check_no_open_report
from app.services.order_flow import (  # noqa: F401 - the order's state machine, used here and re-exported
    HAPPY_PATH,
    STATE_TIMESTAMPS,
    STOCK_RETURNING,
    TRANSITIONS,
    WAITING_STATES,
    add_event,
    allowed_actions,
    apply_transition,
    return_stock,
    take_stock,
)

AUTO_COMPLETE_AFTER = timedelta(days=3)

# ------------------------------------------------------------------ loading with ownership


# The side an order page names besides its own: the buyer sees the store, the store the buyer.
_OTHER_PARTY = {"store": Order.store, "buyer": Order.buyer}


def detail_options(other_party):
    """What an order page shows, in a fixed number of queries: ``other_party`` ("store" or
    "buyer"), the items with their products' photos (the lines' thumbnails), the timeline
    with who acted, the messages with who wrote them."""
    return (
        db.joinedload(_OTHER_PARTY[other_party]),
        db.selectinload(Order.items).selectinload(OrderItem.product).selectinload(Product.images),
        db.selectinload(Order.events).joinedload(OrderEvent.actor),
        db.selectinload(Order.messages).joinedload(OrderMessage.author),
    )


def get_order_for_buyer(user, order_id, *options):
    order = db.session.execute(
        db.select(Order).where(Order.id == order_id, Order.buyer_id == user.id).options(*options)
    ).unique().scalar_one_or_none()
    if order is None:
        raise NotFound(_("This order does not exist."))
    return order


def get_order_for_store(user, order_id, *options):
    order = db.session.execute(
        db.select(Order).where(Order.id == order_id, Order.store_id.in_(store_ids_of(user))).options(*options)
    ).unique().scalar_one_or_none()
    if order is None:
        raise NotFound(_("This order does not exist."))
    return order


def _store_action(user, order_id, action, note=""):
    order = get_order_for_store(user, order_id)
    apply_transition(order, action, user, "store", note)
    db.session.commit()
    return order


def _reason(reason, what):
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for %(what)s.", what=what))
    if len(reason) > 500:
        raise Invalid(_("Keep the reason under 500 characters."))
    return reason


def accept_order(seller, order_id):
    """The store accepts a placed order."""
    return _store_action(seller, order_id, "accept")


def decline_order(seller, order_id, reason):
    """The store declines a placed order, with a reason; the stock comes back."""
    reason = _reason(reason, _("declining"))
    return _store_action(seller, order_id, "decline", reason)


def mark_ready(seller, order_id):
    return _store_action(seller, order_id, "mark_ready")


def mark_delivered(seller, order_id):
    return _store_action(seller, order_id, "mark_delivered")


def cancel_order(buyer, order_id, reason=""):
    """The buyer cancels before the store accepted; the stock comes back."""
    order = get_order_for_buyer(buyer, order_id)
    reason = (reason or "").strip()[:500] or _("Cancelled by the buyer")
    apply_transition(order, "cancel", buyer, "buyer", reason)
    db.session.commit()
    return order


def confirm_receipt(buyer, order_id):
    """The buyer confirms they received a delivered order: it is completed (not while a
    problem report on it is open)."""
    order = get_order_for_buyer(buyer, order_id)
    check_no_open_report(order)
    apply_transition(order, "confirm_receipt", buyer, "buyer")
    db.session.commit()
    return order


def record_delivery_payment(seller, order_id, kind, amount, reference=""):
    """The store records the money received at delivery; the payment method checks it
    (pay on delivery: cash or transfer, exactly the total, once)."""
    order = get_order_for_store(seller, order_id)
    method = payments.get(order.payment_method)
    if method is None or not method.can_record_delivery_payment(order):
        if order.payment_state == "paid":
            raise Conflict(_("The payment for this order has already been recorded."))
        raise Conflict(_("A payment cannot be recorded for this order now."))
    before = {"payment_state": order.payment_state}
    method.on_delivery_payment_recorded(order, seller, kind, amount, reference)
    # The kind and amount are on the order (the timeline shows them in words); the note
    # keeps only what the seller typed.
    add_event(order, "payment_recorded", order.state, order.state, seller, order.payment_reference)
    audit.record(seller, "order.payment_recorded", order, before=before,
                 after={"payment_state": order.payment_state, "kind": kind, "amount": amount})
    notify.order_state_changed(order, "payment_recorded", "store")
    db.session.commit()
    return order


def complete_delivered_orders(now=None):
    """Complete every order delivered more than 3 days before ``now``. Returns the count."""
    now = now or clock.now()
    cutoff = now - AUTO_COMPLETE_AFTER
    # An open or disputed problem report holds the order until it is answered or decided.
    open_report = db.exists().where(ProblemReport.order_id == Order.id,
                                    ProblemReport.state.in_(ACTIVE_REPORT_STATES))
    ids = db.session.execute(
        db.select(Order.id).where(Order.state == "delivered", Order.delivered_at <= cutoff, ~open_report)
        .order_by(Order.id)
    ).scalars().all()
    done = 0
    with notify.request_context():
        for order_id in ids:
            order = db.session.get(Order, order_id)
            try:
                apply_transition(order, "auto_complete", None, "system", _("No problem reported within 3 days."))
            except Conflict:
                continue  # changed meanwhile (e.g. the buyer confirmed): nothing to do
            # One commit per order: a batch job must not lose the earlier ones to a later conflict.
            db.session.commit()
            done += 1
    return done


# ------------------------------------------------------------------ messages


def post_message(user, order_id, body, side):
    """A short message in the order's thread, from the buyer or the store."""
    body = (body or "").strip()
    if not body:
        raise Invalid(_("Write a message."))
    if len(body) > 1000:
        raise Invalid(_("Keep the message under 1000 characters."))
    order = get_order_for_buyer(user, order_id) if side == "buyer" else get_order_for_store(user, order_id)
    message = OrderMessage(order=order, author_id=user.id, side=side, body=body)
    db.session.add(message)
    params = {"number": order.number}
    if side == "buyer":
        members, _owners = notify.store_people(order.store_id)
        for member in members:
            notify.add(member, "order_message", link=path_for("sales.detail", order_id=order.id), **params)
    else:
        notify.add(order.buyer, "order_message", link=path_for("orders.detail", order_id=order.id), **params)
    db.session.commit()
    return message


# ------------------------------------------------------------------ lists


def buyer_orders(user, page=1, per_page=20):
    """The buyer's orders, newest first, with their stores: one statement for a page that is
    not full (the list shows no items; the count only when there may be more pages)."""
    return paginate_counting_less(_buyer_orders_statement(), page=page, per_page=per_page,
                                  params={"buyer_id": user.id})


@functools.cache
def _buyer_orders_statement():
    """Built once per process, the buyer and the page bound per call."""
    return page_of(db.select(Order).where(Order.buyer_id == db.bindparam("buyer_id"))
                   .options(db.joinedload(Order.store)).order_by(Order.created_at.desc(), Order.id.desc()))


def store_orders(user, state=None, page=1, per_page=30):
    """The store's orders in ``state``; without one, all but those still waiting for
    payment or approval (the store may not start on them yet, they are listed apart)."""
    query = db.select(Order).where(Order.store_id.in_(store_ids_of(user)))
    if state:
        query = query.where(Order.state == state)
    else:
        query = query.where(Order.state.not_in(WAITING_STATES))
    return db.paginate(
        query.options(db.joinedload(Order.buyer).joinedload(User.department), db.selectinload(Order.items))
        .order_by(Order.created_at.desc(), Order.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )


def store_state_counts(user):
    rows = db.session.execute(
        db.select(Order.state, db.func.count(Order.id)).where(Order.store_id.in_(store_ids_of(user)))
        .group_by(Order.state)
    ).tuples().all()
    return dict(rows)


def new_orders_count(user):
    return store_state_counts(user).get("placed", 0)
