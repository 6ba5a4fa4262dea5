"""Inspection at delivery: the buyer (or the purchaser, who is the buyer of a department
order) reports a problem instead of confirming receipt; the store answers; a dispute goes
to the programme admins.

Rules kept here:
- only the buyer of a delivered order reports (anyone else: 404); one report at a time
  (open or disputed) per order; the order is not completed by the clock while one is;
- each line reported gives the quantity received and accepted: accepted <= received <=
  ordered, never below zero; the rejected part is worth unit price x (ordered - accepted);
- the report is a state machine (``TRANSITIONS``) moved by a guarded UPDATE
  (``WHERE state = :old``): two people answering or deciding at once cannot both succeed;
- the store answers ``replace`` (the order goes back to ready, the store delivers again),
  ``refund`` (the lines become accepted in part; card: a refund of at most the rejected
  part through Stripe; pay on delivery: the amount due is reduced; department: the BAST
  and the invoice cover only what was accepted) or ``dispute`` (with a statement);
- an admin decides a dispute: ``uphold`` (for the buyer: as a refund of the rejected part)
  or ``dismiss`` (for the store: the order stands as delivered);
- every step: an event on the order's timeline, an audit entry, both parties notified,
  one commit.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.extensions import db
from app.i18n import rupiah
from app.labels import PROBLEM_REASON_LABELS, STORE_ANSWER_LABELS
from app.models import (
    PROBLEM_REASONS,
    STORE_ANSWERS,
    Order,
    OrderState,
    ProblemReport,
    ProblemReportLine,
    ProblemReportPhoto,
    ProblemReportState,
    User,
    UserRole,
)
from app.orm import rows_matched
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import images as image_service
from app.services import notifications as notify
from app.services import refund_requests
from app.services.acceptance import ACTIVE_REPORT_STATES, accepted_quantity
from app.services.mail import queue_email
from app.services.order_flow import add_event, apply_transition
from app.authz import store_ids_of
from app.services.orders import get_order_for_buyer, get_order_for_store
from app.urls import absolute, path_for

S = ProblemReportState
# state -> {action: (new state, who may do it)}
TRANSITIONS = {
    S.OPEN: {"replace": (S.REPLACED, "store"), "refund": (S.REFUNDED, "store"), "dispute": (S.DISPUTED, "store")},
    S.DISPUTED: {"uphold": (S.UPHELD, "admin"), "dismiss": (S.DISMISSED, "admin")},
    S.REPLACED: {},
    S.REFUNDED: {},
    S.UPHELD: {},
    S.DISMISSED: {},
}
ACTIVE_STATES = ACTIVE_REPORT_STATES
MAX_PHOTOS = 4
MAX_STATEMENT = 2000

notify.KIND_TEXTS.update({
    "problem_reported": _l("%(buyer)s reported a problem with order %(number)s: %(reason)s."),
    "problem_answered": _l("%(store)s answered your problem report on order %(number)s: %(answer)s."),
    "problem_disputed": _l("%(store)s disputes the problem report on order %(number)s: the programme admins decide."),
    "problem_decided": _l("The programme admins decided the dispute on order %(number)s: %(decision)s."),
})


def active_report_of(order_id):
    return db.session.execute(
        db.select(ProblemReport).where(ProblemReport.order_id == order_id, ProblemReport.state.in_(ACTIVE_STATES))
    ).scalar_one_or_none()


def reports_of(order_id):
    return db.session.execute(
        db.select(ProblemReport).where(ProblemReport.order_id == order_id)
        .options(db.selectinload(ProblemReport.lines).joinedload(ProblemReportLine.order_item),
                 db.selectinload(ProblemReport.photos))
        .order_by(ProblemReport.id)
    ).scalars().all()


def has_active_report():
    """SQL: the order has an open or disputed report (auto-complete waits while it does)."""
    return db.exists().where(ProblemReport.order_id == Order.id, ProblemReport.state.in_(ACTIVE_STATES))


def rejected_value(report) -> int:
    """What the rejected part of ``report`` is worth at the order's prices."""
    return sum(line.order_item.unit_price * (line.order_item.quantity - line.accepted_quantity)
               for line in report.lines)


# ------------------------------------------------------------------ loading with permission

def _load(report_id):
    return db.session.execute(
        db.select(ProblemReport).where(ProblemReport.id == report_id)
        .options(db.joinedload(ProblemReport.order), db.selectinload(ProblemReport.lines),
                 db.selectinload(ProblemReport.photos))
    ).unique().scalar_one_or_none()


def get_report_for(user, report_id):
    """A report as seen by its buyer, a member of its store or an admin; anyone else: 404."""
    report = _load(report_id)
    if report is None or not may_see(user, report):
        raise NotFound(_("This problem report does not exist."))
    return report


def may_see(user, report) -> bool:
    order = report.order
    return (order.buyer_id == user.id or user.has_role("admin")
            or order.store_id in store_ids_of(user))


# ------------------------------------------------------------------ reporting

def _clean_statement(text, required_message=None):
    text = (text or "").strip()
    if required_message and not text:
        raise Invalid(required_message)
    if len(text) > MAX_STATEMENT:
        raise Invalid(_("Keep the statement under %(num)s characters.", num=MAX_STATEMENT))
    return text


def _photos(report, side, uploads):
    uploads = [u for u in (uploads or []) if u is not None]
    if len(uploads) > MAX_PHOTOS:
        raise Invalid(_("Add at most %(num)s photos.", num=MAX_PHOTOS))
    keys = []
    for upload in uploads:
        image_service.check_image(upload)  # every photo is checked before any is stored
    for upload in uploads:
        key, _processed = image_service.store_image(f"private/reports/{report.order_id}", upload)
        keys.append(key)
        report.photos.append(ProblemReportPhoto(side=side, key=key))
    return keys


def report_problem(user, order_id, reason, statement, lines, photos=()):
    """The buyer reports a problem with their delivered order. ``lines``: {order item id:
    (received, accepted)} for the lines with a problem. Commits."""
    order = get_order_for_buyer(user, order_id)
    # The order row is locked while we look for another report (two reporting at once).
    order = db.session.execute(
        db.select(Order).where(Order.id == order.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    if order.state != OrderState.DELIVERED:
        raise Conflict(_("A problem can be reported once order %(number)s is delivered and before it is "
                         "confirmed.", number=order.number))
    if active_report_of(order.id) is not None:
        raise Conflict(_("A problem report on order %(number)s is already open.", number=order.number))
    if reason not in PROBLEM_REASONS:
        raise Invalid(_("Choose what the problem is."))
    statement = _clean_statement(statement, _("Describe the problem."))
    items = {item.id: item for item in order.items}
    if not lines and reason != "late":
        raise Invalid(_("Say which lines have a problem: the quantity received and the quantity you accept."))
    report = ProblemReport(order_id=order.id, reporter_id=user.id, reason=reason, statement=statement,
                           state=S.OPEN)
    for item_id, (received, accepted) in sorted(lines.items()):
        item = items.get(item_id)
        if item is None:
            raise Invalid(_("That line is not part of order %(number)s.", number=order.number))
        for value in (received, accepted):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise Invalid(_("Enter the quantities of %(name)s as whole numbers, 0 or more.", name=item.name))
        if received > item.quantity:
            raise Invalid(_("%(name)s: more received (%(received)s) than ordered (%(quantity)s)?",
                            name=item.name, received=received, quantity=item.quantity))
        if accepted > received:
            raise Invalid(_("%(name)s: you cannot accept more than was delivered (%(received)s).",
                            name=item.name, received=received))
        report.lines.append(ProblemReportLine(order_item=item, received_quantity=received,
                                              accepted_quantity=accepted))
    report.refund_amount = rejected_value(report)
    if report.refund_amount == 0 and reason != "late":
        raise Invalid(_("You accept every item you reported: confirm receipt instead, or lower the quantity "
                        "accepted."))
    db.session.add(report)
    db.session.flush()
    _photos(report, "buyer", photos)
    # Notes keep only what people typed: the page says the rest in the reader's language.
    add_event(order, "problem_reported", order.state, order.state, user, statement)
    audit.record(user, "problem.report", report, after={
        "order": order.number, "reason": reason, "rejected_value": report.refund_amount,
        "lines": {str(line.order_item_id): [line.received_quantity, line.accepted_quantity] for line in report.lines},
        "photos": len(report.photos)})
    _tell_store(order, "problem_reported", reason=str(PROBLEM_REASON_LABELS[reason]))
    db.session.commit()
    return report


# ------------------------------------------------------------------ moving a report

def _move(report, action, side, actor):
    """Guarded move of ``report`` by ``action``; Conflict if not allowed or changed meanwhile."""
    step = TRANSITIONS.get(report.state, {}).get(action)
    if step is None or step[1] != side:
        raise Conflict(_("This problem report has already been answered or decided."))
    old, new = report.state, step[0]
    values = {"state": new}
    result = db.session.execute(
        db.update(ProblemReport).where(ProblemReport.id == report.id, ProblemReport.state == old)
        .values(**values).execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        db.session.rollback()
        raise Conflict(_("Someone else answered this problem report just now. Reload the page."))
    report.state = new
    return old, new


def _grant(report, actor, amount):
    """The rejected part is no longer owed: the lines are accepted in part and the money
    follows the payment method. No commit."""
    order = report.order
    for line in report.lines:
        item = line.order_item
        accepted = min(accepted_quantity(item), line.accepted_quantity)
        item.accepted_quantity = None if accepted == item.quantity else accepted
    report.refund_amount = amount
    if order.payment_method == "card" and amount > 0:
        refund_requests.request_refund(order, amount, _("Problem report: rejected part of order %(number)s",
                                                        number=order.number), actor)


def answer_report(seller, report_id, answer, statement="", amount=None, photos=()):
    """The store answers an open report: replace, refund (``amount`` rupiah, at most the
    rejected part's value) or dispute (with a statement). Commits."""
    report = _load(report_id)
    if report is None:
        raise NotFound(_("This problem report does not exist."))
    order = get_order_for_store(seller, report.order_id)  # another store's report: 404
    if answer not in STORE_ANSWERS:
        raise Invalid(_("Choose how the store answers: replace, refund or dispute."))
    statement = _clean_statement(statement, _("Give the store's statement for the admins.")
                                 if answer == "dispute" else None)
    value = rejected_value(report)
    if answer == "refund":
        if order.payment_method == "department":
            amount = value  # the invoice covers what was accepted, no more and no less
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise Invalid(_("Enter the amount to refund in whole rupiah, more than zero."))
        if amount > value:
            raise Invalid(_("At most %(amount)s can be refunded: what was paid for the rejected items.",
                            amount=rupiah(value)))
        if order.payment_method == "card" and amount > refund_requests.refundable_amount(order):
            raise Invalid(_("At most %(amount)s can still be refunded for order %(number)s.",
                            amount=rupiah(refund_requests.refundable_amount(order)), number=order.number))
    old, new = _move(report, answer, "store", seller)
    report.store_answer, report.store_statement = answer, statement
    report.answered_by_id, report.answered_at = seller.id, clock.now()
    _photos(report, "store", photos)
    if answer == "replace":
        apply_transition(order, "replace", seller, "store", statement)
    elif answer == "refund":
        _grant(report, seller, amount)
    note = f"{rupiah(report.refund_amount)}" + (f" · {statement}" if statement else "") if answer == "refund" \
        else statement
    add_event(order, f"problem_{answer}", order.state, order.state, seller, note)
    audit.record(seller, f"problem.{answer}", report, before={"state": old},
                 after={"state": new, "amount": report.refund_amount if answer == "refund" else None}, note=statement)
    if answer == "dispute":
        _tell_buyer(order, "problem_disputed")
        for admin in _admins():
            notify.add(admin, "problem_disputed", link=path_for("admin.disputes"), number=order.number,
                       store=order.store.name)
    else:
        _tell_buyer(order, "problem_answered", answer=str(STORE_ANSWER_LABELS[answer]))
    db.session.commit()
    return report


def decide_dispute(admin, report_id, decision, note):
    """A programme admin decides a disputed report: ``uphold`` (for the buyer: the rejected
    part is refunded / not owed) or ``dismiss`` (for the store). Commits."""
    if not admin.has_role("admin"):
        raise NotAllowed(_("Only the programme admins decide disputes."))
    report = _load(report_id)
    if report is None:
        raise NotFound(_("This problem report does not exist."))
    if decision not in ("uphold", "dismiss"):
        raise Invalid(_("Decide for the buyer or for the store."))
    note = _clean_statement(note, _("Give the reason for the decision; both parties read it."))
    order = report.order
    old, new = _move(report, decision, "admin", admin)
    report.decision_note, report.decided_by_id, report.decided_at = note, admin.id, clock.now()
    if decision == "uphold":
        value = rejected_value(report)
        if order.payment_method == "card":
            value = min(value, refund_requests.refundable_amount(order))
        _grant(report, admin, value)
    else:
        report.refund_amount = 0
    words = str(_("for the buyer") if decision == "uphold" else _("for the store"))
    add_event(order, f"problem_{decision}", order.state, order.state, admin, note)
    audit.record(admin, f"problem.{decision}", report, before={"state": old},
                 after={"state": new, "amount": report.refund_amount}, note=note)
    _tell_buyer(order, "problem_decided", decision=words)
    _tell_store(order, "problem_decided", decision=words)
    db.session.commit()
    return report


def disputes(states=(S.DISPUTED,)):
    """The admins' dispute desk: reports waiting for a decision (oldest first)."""
    return db.session.execute(
        db.select(ProblemReport).where(ProblemReport.state.in_(states))
        .options(db.joinedload(ProblemReport.order).joinedload(Order.store),
                 db.joinedload(ProblemReport.order).joinedload(Order.buyer),
                 db.selectinload(ProblemReport.lines).joinedload(ProblemReportLine.order_item),
                 db.selectinload(ProblemReport.photos))
        .order_by(ProblemReport.answered_at, ProblemReport.id)
    ).unique().scalars().all()


def photo_for(user, report_id, photo_id, variant):
    """The stored key of a report's photo for someone who may see the report; else 404."""
    report = get_report_for(user, report_id)
    for photo in report.photos:
        if photo.id == photo_id and variant in ("large", "thumb"):
            return f"{photo.key}/{variant}.webp"
    raise NotFound(_("This photo does not exist."))


# ------------------------------------------------------------------ notifications

def _params(order, **extra):
    return {"number": order.number, "store": order.store.name, "buyer": order.buyer.full_name, **extra}


def _tell_store(order, kind, **extra):
    link = path_for("sales.detail", order_id=order.id)
    members, owners = notify.store_people(order.store_id)
    params = _params(order, **extra)
    for member in members:
        notify.add(member, kind, link=link, **params)
    recipient = notify.email_recipient(members, owners)
    if recipient is not None:
        queue_email(recipient.email, _l("Order %(number)s: problem report", number=order.number), "order_state",
                    locale=recipient.locale, order=order, recipient=recipient, kind=kind, params=params,
                    link=absolute(link))


def _tell_buyer(order, kind, **extra):
    link = path_for("orders.detail", order_id=order.id)
    params = _params(order, **extra)
    notify.add(order.buyer, kind, link=link, **params)
    queue_email(order.buyer.email, _l("Order %(number)s: problem report", number=order.number), "order_state",
                locale=order.buyer.locale, order=order, recipient=order.buyer, kind=kind, params=params,
                link=absolute(link))


def _admins():
    return db.session.execute(
        db.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "admin", User.active.is_(True)).order_by(User.id)
    ).scalars().all()

