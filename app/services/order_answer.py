"""The store must answer: a placed order is accepted or declined within its working days
(ORDER_ANSWER_DAYS_DEPARTMENT, default 3; ORDER_ANSWER_DAYS_PERSONAL, default 1), or it
expires by itself.

Rules kept here:
- the deadline is the end of the last of those working days (Monday–Friday minus public
  holidays, Pontianak time) after the order was placed (``order_flow.answer_deadline``);
- ORDER_ANSWER_REMINDER_HOURS (default 12) before it, the store's people are reminded, once
  (a guarded UPDATE of ``answer_reminded_at`` makes two runs remind once);
- past it, the order moves by ``answer_timeout`` through the orders' transition table: the
  stock comes back, a paid card order is refunded through Stripe (its payment method asks
  for it), a department order's purchase record closes, the buyer is told;
- ``enforce_answer_deadlines`` is a periodic job; it commits once per order.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.extensions import db
from app.i18n import local_time
from app.models import Order, OrderState
from app.orm import rows_matched
from app.services import Conflict, audit
from app.services import notifications as notify
from app.services import working_days
from app.services.mail import queue_email
from app.services.order_flow import answer_deadline, answer_working_days, apply_transition
from app.urls import absolute, path_for

notify.KIND_TEXTS.update({
    "order_answer_reminder": _l("Order %(number)s waits for your answer: accept or decline it by %(deadline)s, "
                                "or it is cancelled by itself."),
    "order_answer_timeout": _l("Order %(number)s was cancelled: %(store)s did not answer in time."),
})
notify.ACTION_NOTIFICATION["answer_timeout"] = "order_answer_timeout"


def reminder_lead() -> timedelta:
    return timedelta(hours=int(current_app.config.get("ORDER_ANSWER_REMINDER_HOURS", 12)))


def time_left(order, now=None):
    """What is left of a placed order's answer time (a timedelta, never negative), or None."""
    if order.state != OrderState.PLACED:
        return None
    return max(timedelta(0), answer_deadline(order) - (now or clock.now()))


def deadlines_of(orders):
    """{order id: deadline} for the placed ones among ``orders``, with one holiday look-up."""
    placed = [o for o in orders if o.state == OrderState.PLACED]
    if not placed:
        return {}
    first = min((o.placed_at or o.created_at) for o in placed).astimezone(clock.LOCAL_TZ).date()
    holidays = working_days.holiday_days(first, first + timedelta(days=60))
    return {o.id: answer_deadline(o, holidays) for o in placed}


def _remind(order, deadline):
    result = db.session.execute(
        db.update(Order).where(Order.id == order.id, Order.state == OrderState.PLACED,
                               Order.answer_reminded_at.is_(None))
        .values(answer_reminded_at=clock.now()).execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        return False
    when = local_time(deadline)
    link = path_for("sales.detail", order_id=order.id)
    members, owners = notify.store_people(order.store_id)
    for member in members:
        notify.add(member, "order_answer_reminder", link=link, number=order.number, deadline=when)
    recipient = notify.email_recipient(members, owners)
    if recipient is not None:
        params = {"number": order.number, "deadline": when}
        queue_email(recipient.email, _l("Answer order %(number)s by %(deadline)s", **params), "order_state",
                    locale=recipient.locale, order=order, recipient=recipient, kind="order_answer_reminder",
                    params=params, link=absolute(link))
    audit.record(None, "order.answer_reminder", order, after={"deadline": deadline.isoformat()})
    return True


def enforce_answer_deadlines(now=None) -> dict:
    """Remind the stores whose placed orders near their deadline; expire those past it.
    Returns {"reminded": n, "expired": n}."""
    now = now or clock.now()
    ids = db.session.execute(
        db.select(Order.id).where(Order.state == OrderState.PLACED).order_by(Order.id)
    ).scalars().all()
    counts = {"reminded": 0, "expired": 0}
    with notify.request_context():
        for order_id in ids:
            order = db.session.get(Order, order_id)
            if order is None or order.state != OrderState.PLACED:
                continue
            deadline = answer_deadline(order)
            if now >= deadline:
                days = answer_working_days(order)
                try:
                    apply_transition(order, "answer_timeout", None, "system",
                                     _("The store did not accept or decline it within %(days)s working day(s).",
                                       days=days))
                except Conflict:
                    db.session.rollback()
                    continue  # the store answered meanwhile
                db.session.commit()
                counts["expired"] += 1
            elif now >= deadline - reminder_lead() and order.answer_reminded_at is None:
                if _remind(order, deadline):
                    db.session.commit()
                    counts["reminded"] += 1
                else:
                    db.session.rollback()
    return counts


def left_text(deadline, now=None) -> str:
    """"5 hours left" / "2 days left" / "time is up", for the store's lists."""
    from flask_babel import ngettext

    left = deadline - (now or clock.now())
    if left <= timedelta(0):
        return _("time is up")
    hours = int(left.total_seconds() // 3600)
    if hours < 48:
        return ngettext("%(num)d hour left", "%(num)d hours left", max(hours, 1))
    return ngettext("%(num)d day left", "%(num)d days left", hours // 24)
