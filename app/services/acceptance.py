"""What the buyer accepted of a delivered order: the one place the documents (BAST,
invoice), the payment methods and the ledger read it from.

An order line's ``accepted_quantity`` is None while all of it is accepted; inspection at
delivery (a problem report the store refunds, a handover confirmed in part) sets it.
Whoever adds amounts per line (e.g. taxes on the invoice) reads ``accepted_lines``.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Order, OrderItem, ProblemReport, ProblemReportState

# Problem reports that hold the order (waiting for the store, or for the admins' decision).
ACTIVE_REPORT_STATES = (ProblemReportState.OPEN, ProblemReportState.DISPUTED)
# Problem reports whose rejected part is no longer owed (refunded by the store, upheld by the admins).
GRANTED_STATES = (ProblemReportState.REFUNDED, ProblemReportState.UPHELD)


@dataclass(frozen=True)
class AcceptedLine:
    item: OrderItem
    quantity: int      # accepted
    amount: int        # accepted quantity x unit price

    @property
    def rejected(self) -> int:
        return self.item.quantity - self.quantity


def accepted_quantity(item: OrderItem) -> int:
    return item.quantity if item.accepted_quantity is None else item.accepted_quantity


def accepted_lines(order: Order) -> list[AcceptedLine]:
    lines = []
    for item in order.items:
        quantity = accepted_quantity(item)
        amount = item.line_total if quantity == item.quantity else item.unit_price * quantity
        lines.append(AcceptedLine(item, quantity, amount))
    return lines


def accepted_total(order: Order) -> int:
    """What the buyer owes for what they accepted (the invoice amount of a department order)."""
    return sum(line.amount for line in accepted_lines(order))


def granted_amount(order_id) -> int:
    """What the granted problem reports of an order took off its price."""
    return int(db.session.execute(
        db.select(db.func.coalesce(db.func.sum(ProblemReport.refund_amount), 0))
        .where(ProblemReport.order_id == order_id, ProblemReport.state.in_(GRANTED_STATES))
    ).scalar_one())


def amount_due_on_delivery(order: Order) -> int:
    """Pay on delivery: the total less what the store took off for rejected items."""
    return max(0, order.total - granted_amount(order.id))


def check_no_open_report(order: Order) -> None:
    """Confirming an order waits while a problem report on it is open or disputed."""
    from flask_babel import gettext as _

    from app.services import Conflict

    if db.session.execute(db.select(ProblemReport.id).where(
            ProblemReport.order_id == order.id, ProblemReport.state.in_(ACTIVE_REPORT_STATES))).first():
        raise Conflict(_("A problem report on order %(number)s is open: wait for the store's answer (or the "
                         "admins' decision) before confirming.", number=order.number))


def is_partial(order: Order) -> bool:
    return any(accepted_quantity(item) != item.quantity for item in order.items)


@dataclass(frozen=True)
class Acceptance:
    """What a document shows: the lines, the accepted total, whether it is a part."""

    lines: list[AcceptedLine]
    total: int
    partial: bool


def acceptance_of(order: Order) -> Acceptance:
    lines = accepted_lines(order)
    return Acceptance(lines, sum(line.amount for line in lines), any(line.rejected for line in lines))


def record_acceptance(order: Order, accepted: dict | None, reason: str = "") -> list[AcceptedLine]:
    """Set what is accepted of each line of ``order`` from ``accepted`` ({item id: quantity},
    lines left out: all of it). Never more than was ordered, never below zero; an unknown
    line is refused. No commit. Returns the lines accepted in part."""
    from flask_babel import gettext as _

    from app.services import Invalid

    accepted = accepted or {}
    items = {item.id: item for item in order.items}
    unknown = set(accepted) - set(items)
    if unknown:
        raise Invalid(_("That line is not part of order %(number)s.", number=order.number))
    for item_id, quantity in accepted.items():
        item = items[item_id]
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise Invalid(_("Enter the quantity accepted of %(name)s as a whole number, 0 or more.", name=item.name))
        if quantity > item.quantity:
            raise Invalid(_("You cannot accept more of %(name)s than was delivered (%(quantity)s).",
                            name=item.name, quantity=item.quantity))
    if accepted and all(quantity == 0 for quantity in accepted.values()) and len(accepted) == len(items):
        raise Invalid(_("Nothing would be accepted: report a problem with the order instead."))
    for item_id, quantity in accepted.items():
        items[item_id].accepted_quantity = None if quantity == items[item_id].quantity else quantity
    return [line for line in accepted_lines(order) if line.rejected]
