"""The states of orders, listings and stores: one name for each, shared by the model, the
transition tables, the timestamp map and the labels (tests/test_states.py checks they agree).

They are ``StrEnum``s: a member equals its stored string (``OrderState.PLACED == "placed"``),
so rows, URLs and templates keep the plain codes while the code names them once.
"""
from enum import StrEnum


class OrderState(StrEnum):
    # Card orders start here, stock already held, until Stripe confirms the payment.
    AWAITING_PAYMENT = "awaiting_payment"
    # Department orders start here, stock already held, until the approver decides.
    AWAITING_APPROVAL = "awaiting_approval"
    PLACED = "placed"
    ACCEPTED = "accepted"
    READY = "ready"
    DELIVERED = "delivered"
    # Department purchase: BAST confirmed, waiting for the treasury payment.
    INVOICED = "invoiced"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    EXPIRED = "expired"
    REFUSED = "refused"


class ListingState(StrEnum):
    """A product's review state; a revision of a live product goes through the same states."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class StoreState(StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    CHANGES_REQUESTED = "changes_requested"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


class ProblemReportState(StrEnum):
    """A buyer's report of a problem with a delivered order (see app.services.problem_reports)."""

    OPEN = "open"             # the store has to answer
    REPLACED = "replaced"     # the store delivers again
    REFUNDED = "refunded"     # the rejected part is refunded / no longer owed
    DISPUTED = "disputed"     # the store disputes it: the programme admins decide
    UPHELD = "upheld"         # the admins decided for the buyer: refunded as above
    DISMISSED = "dismissed"   # the admins decided for the store: the order stands as delivered


class QuoteState(StrEnum):
    """A purchaser's request for a quote (negotiation) before a department order."""

    REQUESTED = "requested"   # the store has to make an offer
    OFFERED = "offered"       # the purchaser accepts, counters or withdraws
    ACCEPTED = "accepted"     # the agreed prices became a department order
    DECLINED = "declined"     # the store will not offer
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class QuestionState(StrEnum):
    """A product question: waiting for the store, answered, or hidden by a mentor or an admin."""

    OPEN = "open"
    ANSWERED = "answered"
    HIDDEN = "hidden"


ORDER_STATES = tuple(OrderState)
PROBLEM_REPORT_STATES = tuple(ProblemReportState)
QUOTE_STATES = tuple(QuoteState)
FINAL_STATES = (OrderState.COMPLETED, OrderState.CANCELLED, OrderState.DECLINED, OrderState.EXPIRED,
                OrderState.REFUSED)
LISTING_STATES = tuple(ListingState)
STORE_STATES = tuple(StoreState)
QUESTION_STATES = tuple(QuestionState)


def in_clause(column: str, states) -> str:
    """SQL for a CHECK constraint that the column holds one of ``states``."""
    return f"{column} IN ({', '.join(repr(str(s)) for s in states)})"


class GraduationState(StrEnum):
    """A startup's graduation case: the mentor recommends, an admin decides."""

    RECOMMENDED = "recommended"
    GRADUATED = "graduated"
    EXTENDED = "extended"
    WITHDRAWN = "withdrawn"


GRADUATION_STATES = tuple(GraduationState)
