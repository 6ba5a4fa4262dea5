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


ORDER_STATES = tuple(OrderState)
FINAL_STATES = (OrderState.COMPLETED, OrderState.CANCELLED, OrderState.DECLINED, OrderState.EXPIRED,
                OrderState.REFUSED)
LISTING_STATES = tuple(ListingState)
STORE_STATES = tuple(StoreState)


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
