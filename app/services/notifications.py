"""In-app notifications and the e-mails that go with them.

Rules kept here: one e-mail to the buyer per checkout (not per store or item), one to
each store per order, one on each state change that concerns the other party. Every
notification is also an in-app row. Nothing here commits: the calling service does.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l

from app.labels import ORDER_STATE_LABELS
from app.urls import absolute, path_for
from app.extensions import db
from app.models import Notification, StoreMember, User
from app.orm import utcnow
from app.services.mail import queue_email

# kind -> text shown in the list (params filled in at display, in the reader's language).
KIND_TEXTS = {
    "checkout_placed": _l("Your order %(numbers)s has been placed."),
    "order_received": _l("New order %(number)s from %(buyer)s."),
    "order_accepted": _l("Order %(number)s was accepted by %(store)s."),
    "order_declined": _l("Order %(number)s was declined by %(store)s: %(reason)s"),
    "order_ready": _l("Order %(number)s is ready (for pickup or on its way)."),
    "order_delivered": _l("Order %(number)s was delivered. Please confirm receipt."),
    "order_payment_recorded": _l("%(store)s recorded your payment for order %(number)s."),
    "order_cancelled": _l("Order %(number)s was cancelled by the buyer: %(reason)s"),
    "order_completed": _l("Order %(number)s is completed."),
    "order_message": _l("New message about order %(number)s."),
    "review_posted": _l("New review of %(product)s."),
    "review_replied": _l("%(store)s replied to your review of %(product)s."),
    "low_stock": _l("Low stock: only %(stock)s of %(product)s left."),
    "question_asked": _l("New question about %(product)s."),
    "question_answered": _l("%(store)s answered your question about %(product)s."),
    "question_hidden": _l("A question about %(product)s was hidden: %(reason)s"),
    "list_shared": _l("%(owner)s shared the shopping list “%(name)s” with you."),
    "product_hidden_expired": _l("%(product)s is hidden from buyers until its expired document is renewed."),
}

# Subjects of the e-mails (the e-mail template says the rest). Lazy: queue_email turns them into
# text in the recipient's language, not in that of the user whose request sends them.
SUBJECTS = {
    "checkout_placed": _l("Your order at Pasar Kite Bise"),
    "order_received": _l("New order %(number)s"),
    "order_state": _l("Order %(number)s: %(state)s"),
}


@contextmanager
def request_context():
    """Templates and translations here read the request (locale, navigation); jobs and
    CLI commands run without one, so give them a neutral one on BASE_URL."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config.get("BASE_URL") or None):
        yield

# An order's action -> the kind of notification the other side gets.
ACTION_NOTIFICATION = {
    "accept": "order_accepted",
    "decline": "order_declined",
    "mark_ready": "order_ready",
    "mark_delivered": "order_delivered",
    "cancel": "order_cancelled",
    "confirm_receipt": "order_completed",
    "auto_complete": "order_completed",
    "payment_recorded": "order_payment_recorded",
}


def text_for(notification) -> str:
    return kind_text(notification.kind, notification.params)


def kind_text(kind, params) -> str:
    """The text of a notification kind in the current language."""
    template = KIND_TEXTS.get(kind)
    if template is None:
        return kind
    params = dict(params or {})
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def add(user, kind, link="", **params):
    """Add an in-app notification for ``user`` (the caller commits)."""
    row = Notification(user_id=user.id, kind=kind, link=link, params=params)
    db.session.add(row)
    return row


def store_people(store_id):
    """(active members, active owners) of a store."""
    return stores_people([store_id])[store_id]


def stores_people(store_ids):
    """{store id: (active members, active owners)} for several stores, in one query."""
    ids = list(dict.fromkeys(store_ids))
    people: dict[int, tuple[list[User], list[User]]] = {store_id: ([], []) for store_id in ids}
    if not ids:
        return people
    rows = db.session.execute(
        db.select(StoreMember).where(StoreMember.store_id.in_(ids)).order_by(StoreMember.id)
        .options(db.joinedload(StoreMember.user))
    ).scalars().all()
    for member in rows:
        if member.user.active:
            members, owners = people[member.store_id]
            members.append(member.user)
            if member.role == "owner":
                owners.append(member.user)
    return people


def email_recipient(members, owners):
    """Of a store's people: the one address its e-mail goes to (owner, else first member)."""
    if owners:
        return owners[0]
    return members[0] if members else None


def store_email_recipient(store_id):
    """The one address a store's e-mail goes to: its owner (else the first member)."""
    return email_recipient(*store_people(store_id))


def checkout_placed(buyer, orders):
    """One e-mail to the buyer for the whole checkout; one per store per order."""
    # Department order: the store hears of it once approved; card order: once paid.
    told = [o for o in orders if o.state not in ("awaiting_approval", "awaiting_payment")]
    # Every store's members in one query, before any row is added (so no extra flush).
    people = stores_people([o.store_id for o in told])
    numbers = ", ".join(o.number for o in orders)
    add(buyer, "checkout_placed", link=path_for("orders.index"), numbers=numbers)
    queue_email(buyer.email, SUBJECTS["checkout_placed"], "checkout_placed", locale=buyer.locale,
                buyer=buyer, orders=orders, total=sum(o.total for o in orders),
                link=absolute(path_for("orders.index")))
    for order in told:
        order_received(order, buyer, people=people[order.store_id])


def order_received(order, buyer, people=None):
    """Tell the store of an order it may start on: every member in-app, one e-mail.
    ``people``: the store's (members, owners) when the caller has them already."""
    link = path_for("sales.detail", order_id=order.id)
    members, owners = people if people is not None else store_people(order.store_id)
    for member in members:
        add(member, "order_received", link=link, number=order.number, buyer=buyer.full_name)
    recipient = email_recipient(members, owners)
    if recipient is not None:
        queue_email(recipient.email, _l("New order %(number)s", number=order.number), "order_received",
                    locale=recipient.locale, order=order, buyer=buyer, recipient=recipient,
                    link=absolute(link))


def order_state_changed(order, action, actor_side, note=""):
    """Tell the other party about a change: the buyer when the store acted, the store
    when the buyer acted; the system's auto-complete tells both."""

    if action == "payment_confirmed":
        # A card order the store was not told of while unpaid: now it is a new order.
        # The transition is guarded (and the payment applied once), so this runs once.
        with request_context():
            order_received(order, order.buyer)
        return
    kind = ACTION_NOTIFICATION.get(action)
    if kind is None:
        return
    params = {"number": order.number, "store": order.store.name, "buyer": order.buyer.full_name,
              "reason": note or "-"}
    state_label = ORDER_STATE_LABELS.get(order.state, order.state)
    if actor_side in ("store", "system"):
        buyer = order.buyer
        add(buyer, kind, link=path_for("orders.detail", order_id=order.id), **params)
        queue_email(buyer.email, _l("Order %(number)s: %(state)s", number=order.number, state=state_label),
                    "order_state", locale=buyer.locale, order=order, recipient=buyer, kind=kind,
                    link=absolute(path_for("orders.detail", order_id=order.id)),
                    params=params)
    if actor_side in ("buyer", "system"):
        members, owners = store_people(order.store_id)
        for member in members:
            add(member, kind, link=path_for("sales.detail", order_id=order.id), **params)
        recipient = email_recipient(members, owners)
        if recipient is not None:
            queue_email(recipient.email, _l("Order %(number)s: %(state)s", number=order.number, state=state_label),
                        "order_state", locale=recipient.locale, order=order, recipient=recipient, kind=kind,
                        link=absolute(path_for("sales.detail", order_id=order.id)),
                        params=params)


def unread_count(user) -> int:
    return db.session.execute(
        db.select(db.func.count(Notification.id)).where(Notification.user_id == user.id,
                                                          Notification.read_at.is_(None))
    ).scalar_one()


def list_for(user, page=1, per_page=30):
    return db.paginate(
        db.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )


def mark_read(user, notification_id=None):
    """Mark one notification (or all) of ``user`` as read; another user's id is ignored."""
    query = db.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()


def get_for(user, notification_id):
    return db.session.execute(
        db.select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    ).scalar_one_or_none()
