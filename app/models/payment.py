"""Card payments (Stripe), webhook events, refunds, the settlement ledger and payouts.

Money is whole rupiah (Integer); the ×100 for Stripe's two-decimal IDR happens only in
``app.services.stripe_gateway``. Every datetime is UTCDateTime.

Once-only rules are kept by unique columns: one CardPayment per checkout and per
PaymentIntent, one StripeEvent per event id, one Refund per Stripe refund id, and one
LedgerEntry per ``entry_key`` (e.g. ``order_paid:12``), so a repeated webhook, a
reconciliation run and a retried job can never write the same money twice.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    # Names of the other aggregates, for the relationships' annotations; at run time
    # SQLAlchemy resolves them by name, and importing them here would be circular.
    from app.models.order import CheckoutAttempt, Order
    from app.models.store import Store
    from app.models.user import User

# Stripe's PaymentIntent statuses, plus ``new`` (no intent created yet).
INTENT_FINAL_STATES = ("succeeded", "canceled")
# pending: recorded here, not yet at Stripe; submitted: Stripe has it, not settled yet.
REFUND_STATES = ("pending", "submitted", "succeeded", "failed", "canceled")
REFUND_OPEN_OR_DONE = ("pending", "submitted", "succeeded")
LEDGER_REASONS = ("order_paid", "fee", "refund", "payout", "adjustment")
LEDGER_ACCOUNTS = ("store", "platform")


class CardPayment(Model):
    """One PaymentIntent for one checkout (all its orders)."""

    __tablename__ = "card_payments"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_attempt_id: Mapped[int] = mapped_column(ForeignKey("checkout_attempts.id"), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    intent_id: Mapped[Optional[str]] = mapped_column(String(255), unique=True)
    customer_id: Mapped[str] = mapped_column(String(255), default="")
    amount: Mapped[int] = mapped_column(Integer)  # whole rupiah asked for
    amount_captured: Mapped[int] = mapped_column(Integer, default=0)  # whole rupiah received
    currency: Mapped[str] = mapped_column(String(3), default="idr")
    status: Mapped[str] = mapped_column(String(40), default="new")
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    succeeded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    canceled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    checkout_attempt: Mapped["CheckoutAttempt"] = relationship()
    buyer: Mapped["User"] = relationship()
    refunds: Mapped[list["Refund"]] = relationship(back_populates="card_payment", order_by="Refund.id")

    @property
    def orders(self):
        return list(self.checkout_attempt.orders)

    @property
    def is_final(self):
        return self.status in INTENT_FINAL_STATES


class StripeEvent(Model):
    """A webhook event, stored once; ``processed_at`` is set in the same transaction
    as its effects."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class Refund(Model):
    """Money given back for one order. ``amount`` is whole rupiah."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_payment_id: Mapped[int] = mapped_column(ForeignKey("card_payments.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    stripe_refund_id: Mapped[Optional[str]] = mapped_column(String(255), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    succeeded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    card_payment: Mapped[CardPayment] = relationship(back_populates="refunds")
    order: Mapped["Order"] = relationship()
    requested_by: Mapped[Optional["User"]] = relationship()


class PayoutBatch(Model):
    """The payouts of one period, exported as one bank-transfer file."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped["User"] = relationship()
    payouts: Mapped[list["Payout"]] = relationship(back_populates="batch", order_by="Payout.id")

    @property
    def total(self):
        return sum(p.amount for p in self.payouts)


class Payout(Model):
    """What one store is paid in a batch; bank details copied when the batch was made."""

    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payouts_store_paid", "store_id", "paid_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    amount: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # ours, in the transfer's description
    bank_name: Mapped[str] = mapped_column(String(80), default="")
    bank_account_number: Mapped[str] = mapped_column(String(40), default="")
    bank_account_holder: Mapped[str] = mapped_column(String(120), default="")
    transfer_reference: Mapped[str] = mapped_column(String(80), default="")  # the bank's
    paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[PayoutBatch] = relationship(back_populates="payouts")
    store: Mapped["Store"] = relationship()
    recorded_by: Mapped[Optional["User"]] = relationship()


class LedgerEntry(Model):
    """One movement of money owed. Written once, never updated or deleted: a balance is
    the sum of credits minus debits. ``account`` is the store's account or the
    platform's (fees); ``store_id`` is the store the entry concerns in both cases."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("kind IN ('credit', 'debit')", name="kind_valid"),
        Index("ix_ledger_entries_account_store", "account", "store_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(80), unique=True)
    account: Mapped[str] = mapped_column(String(10), default="store")
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(String(6))
    reason: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orders.id"), index=True)
    refund_id: Mapped[Optional[int]] = mapped_column(ForeignKey("refunds.id"))
    payout_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payouts.id"))
    card_payment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("card_payments.id"))
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    store: Mapped["Store"] = relationship()
    order: Mapped[Optional["Order"]] = relationship()
    payout: Mapped[Optional[Payout]] = relationship()

    @property
    def signed_amount(self):
        return self.amount if self.kind == "credit" else -self.amount
