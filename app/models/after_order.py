"""After the order is placed: problem reports at delivery (with their lines and photos),
quotes negotiated before a department order (lines and rounds), and the PPK's rating of
the store.

Money is whole rupiah (Integer). Every datetime is UTCDateTime.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.states import PROBLEM_REPORT_STATES, QUOTE_STATES, ProblemReportState, QuoteState, in_clause
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.order import Order, OrderItem
    from app.models.product import Product
    from app.models.store import Store
    from app.models.user import Department, User

PROBLEM_REASONS = ("damaged", "wrong_item", "short", "late", "quality")
STORE_ANSWERS = ("replace", "refund", "dispute")
RATING_ASPECTS = ("quality", "timeliness", "quantity", "service")


class ProblemReport(Model):
    """A problem the buyer (or purchaser) reports with a delivered order, before confirming it.
    While one is open the order is not completed by the clock."""

    __tablename__ = "problem_reports"
    __table_args__ = (
        CheckConstraint(in_clause("state", PROBLEM_REPORT_STATES), name="state_known"),
        CheckConstraint("refund_amount >= 0", name="refund_not_negative"),
        Index("ix_problem_reports_order_state", "order_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(12), default=ProblemReportState.OPEN.value)
    reason: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text, default="")
    # What the rejected part is worth (sum of the lines' unit price x rejected quantity).
    refund_amount: Mapped[int] = mapped_column(Integer, default=0)
    store_answer: Mapped[str] = mapped_column(String(10), default="")
    store_statement: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped["Order"] = relationship()
    reporter: Mapped["User"] = relationship(foreign_keys=[reporter_id])
    answered_by: Mapped[Optional["User"]] = relationship(foreign_keys=[answered_by_id])
    decided_by: Mapped[Optional["User"]] = relationship(foreign_keys=[decided_by_id])
    lines: Mapped[list["ProblemReportLine"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ProblemReportLine.id")
    photos: Mapped[list["ProblemReportPhoto"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ProblemReportPhoto.id")


class ProblemReportLine(Model):
    """One order line of a report: how many arrived and how many the buyer accepts."""

    __tablename__ = "problem_report_lines"
    __table_args__ = (
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
        CheckConstraint("accepted_quantity >= 0 AND accepted_quantity <= received_quantity",
                        name="accepted_within_received"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("problem_reports.id", ondelete="CASCADE"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id", ondelete="CASCADE"), index=True)
    received_quantity: Mapped[int] = mapped_column(Integer)
    accepted_quantity: Mapped[int] = mapped_column(Integer)

    report: Mapped[ProblemReport] = relationship(back_populates="lines")
    order_item: Mapped["OrderItem"] = relationship()


class ProblemReportPhoto(Model):
    """A photo of a report, from the buyer or the store (private: shown to the parties and admins)."""

    __tablename__ = "problem_report_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("problem_reports.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(10))  # buyer or store
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[ProblemReport] = relationship(back_populates="photos")


class Quote(Model):
    """A purchaser's request for a quote from one store, and its negotiation."""

    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint(in_clause("state", QUOTE_STATES), name="state_known"),
        Index("ix_quotes_store_state", "store_id", "state"),
        Index("ix_quotes_buyer_created", "buyer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[Optional[str]] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    state: Mapped[str] = mapped_column(String(12), default=QuoteState.REQUESTED.value)
    note: Mapped[str] = mapped_column(Text, default="")
    # The day by which the store is asked to answer (Pontianak date).
    answer_by: Mapped[date] = mapped_column(Date)
    # The day the current offer is valid until.
    valid_until: Mapped[Optional[date]] = mapped_column(Date)
    rounds: Mapped[int] = mapped_column(Integer, default=1)
    # The budget line and delivery the order will carry once the price is agreed.
    order_data: Mapped[dict] = mapped_column(JSON, default=dict)
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), unique=True)
    ba_number: Mapped[Optional[str]] = mapped_column(String(60), unique=True)
    ba_code: Mapped[Optional[str]] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    buyer: Mapped["User"] = relationship()
    department: Mapped["Department"] = relationship()
    store: Mapped["Store"] = relationship()
    order: Mapped[Optional["Order"]] = relationship()
    lines: Mapped[list["QuoteLine"]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteLine.id")
    history: Mapped[list["QuoteRound"]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteRound.id")

    def offered_total(self) -> int:
        return sum((line.offered_price or 0) * line.quantity for line in self.lines)

    def requested_total(self) -> int:
        return sum(line.requested_price * line.quantity for line in self.lines)

    def list_total(self) -> int:
        return sum(line.list_price * line.quantity for line in self.lines)


class QuoteLine(Model):
    __tablename__ = "quote_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("requested_price > 0", name="requested_positive"),
        CheckConstraint("offered_price IS NULL OR offered_price > 0", name="offered_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[Optional[int]] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(140))
    unit: Mapped[str] = mapped_column(String(20))
    list_price: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    requested_price: Mapped[int] = mapped_column(Integer)
    offered_price: Mapped[Optional[int]] = mapped_column(Integer)

    quote: Mapped[Quote] = relationship(back_populates="lines")
    product: Mapped[Optional["Product"]] = relationship()

    @property
    def above_list(self) -> bool:
        return self.offered_price is not None and self.offered_price > self.list_price


class QuoteRound(Model):
    """One step of the negotiation: who asked or offered what, per line (``prices``:
    {line id: unit price}), with a note and the offer's validity."""

    __tablename__ = "quote_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(10))  # buyer, store or system
    action: Mapped[str] = mapped_column(String(12))
    prices: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    valid_until: Mapped[Optional[date]] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    quote: Mapped[Quote] = relationship(back_populates="history")
    actor: Mapped[Optional["User"]] = relationship()


class StoreRating(Model):
    """The PPK's (or purchaser's) rating of the store for one paid department order, once."""

    __tablename__ = "store_ratings"
    __table_args__ = tuple(
        CheckConstraint(f"{a} >= 1 AND {a} <= 4", name=f"{a}_range") for a in RATING_ASPECTS
    ) + (Index("ix_store_ratings_store", "store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quality: Mapped[int] = mapped_column(Integer)
    timeliness: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    service: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped["Order"] = relationship()
    rater: Mapped["User"] = relationship()

    @property
    def score(self) -> float:
        return (self.quality + self.timeliness + self.quantity + self.service) / 4
