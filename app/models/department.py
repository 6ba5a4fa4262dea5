"""Department buying: who may buy and approve for a department, the public holidays
that do not count as working days, and the paperwork of one department order.

Money is whole rupiah (Integer). Every datetime is UTCDateTime.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    # Names of the other aggregates, for the relationships' annotations; at run time
    # SQLAlchemy resolves them by name, and importing them here would be circular.
    from app.models.order import Order
    from app.models.tax import InvoiceTaxLine
    from app.models.user import Department, User

# purchaser: pejabat pengadaan (PP), places department orders;
# approver: pejabat pembuat komitmen (PPK), approves or refuses them;
# treasurer: bendahara pengeluaran, pays the stores and withholds or collects their tax.
DEPARTMENT_ROLES = ("purchaser", "approver", "treasurer")
# ls: pembayaran langsung, the treasury pays the invoice after the handover (BAST);
# up_card / up_treasurer: uang persediaan, paid by the department's card (KKPD) after the
# approval, or by the treasurer at the handover against a kuitansi.
PAYMENT_MODES = ("ls", "up_card", "up_treasurer")
# The modes whose money reaches the store through the programme's ledger: the card payment is
# collected by the programme, credited to the store's balance and paid out. The treasurer's modes
# pay the store's bank directly.
LEDGER_PAYMENT_MODES = ("up_card",)
# approved, refused, expired (auto-cancelled after 3 working days), cancelled (by the purchaser)
PURCHASE_DECISIONS = ("", "approved", "refused", "expired", "cancelled")


class DepartmentRole(Model):
    """A civil servant's role in buying for their department."""

    __tablename__ = "department_roles"
    __table_args__ = (UniqueConstraint("user_id", "department_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # The civil servant's NIP (18 digits), printed under their name in the signature blocks.
    nip: Mapped[str] = mapped_column(String(18), default="")
    granted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    department: Mapped["Department"] = relationship()
    granted_by: Mapped[Optional["User"]] = relationship(foreign_keys=[granted_by_id])


class PublicHoliday(Model):
    """A national holiday or collective leave day (cuti bersama): not a working day."""

    __tablename__ = "public_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(120))


class DepartmentPurchase(Model):
    """The department side of one order: budget line, purpose, the approver's decision,
    the documents (Surat Pesanan, BAST, invoice) and the treasury payment."""

    __tablename__ = "department_purchases"
    __table_args__ = (
        Index("ix_department_purchases_dept_decision", "department_id", "decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kode_rup: Mapped[str] = mapped_column(String(12))
    kode_rekening: Mapped[str] = mapped_column(String(60))
    purpose: Mapped[str] = mapped_column(String(300))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decision: Mapped[str] = mapped_column(String(12), default="")
    approver_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    # Document numbers and their verification codes (set on approval; each document is
    # available once its step is reached: SP on approval, BAST on delivery, invoice after BAST).
    sp_number: Mapped[Optional[str]] = mapped_column(String(60), unique=True)
    sp_code: Mapped[Optional[str]] = mapped_column(String(12), unique=True)
    bast_number: Mapped[Optional[str]] = mapped_column(String(60), unique=True)
    bast_code: Mapped[Optional[str]] = mapped_column(String(12), unique=True)
    bast_confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    bast_confirmed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    invoice_number: Mapped[Optional[str]] = mapped_column(String(60), unique=True)
    invoice_code: Mapped[Optional[str]] = mapped_column(String(12), unique=True)
    invoice_amount: Mapped[Optional[int]] = mapped_column(Integer)
    invoice_issued_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    invoice_due_on: Mapped[Optional[date]] = mapped_column(Date)

    # Treasury payment (LS transfer to the store), recorded by an admin.
    treasury_paid_on: Mapped[Optional[date]] = mapped_column(Date)
    treasury_amount: Mapped[Optional[int]] = mapped_column(Integer)
    treasury_reference: Mapped[str] = mapped_column(String(80), default="")
    treasury_recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    treasury_recorded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    payment_mode: Mapped[str] = mapped_column(String(14), default="ls")
    # The tax of the invoice (or kuitansi), frozen when it is issued: gross (what the order
    # costs, taxes in the price included), what the treasurer withholds or collects, the net
    # paid to the store; the lines are in invoice_tax_lines.
    tax_issued_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    tax_gross: Mapped[Optional[int]] = mapped_column(Integer)
    tax_withheld: Mapped[Optional[int]] = mapped_column(Integer)
    net_payable: Mapped[Optional[int]] = mapped_column(Integer)
    # The treasurer's withholding/collection slip (bukti potong/pungut) and the state's
    # receipt of the tax paid (NTPN), or pending until it is paid.
    tax_slip: Mapped[str] = mapped_column(String(60), default="")
    ntpn: Mapped[str] = mapped_column(String(30), default="")
    ntpn_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # The receipt (kuitansi) of a UP payment by the treasurer at the handover.
    kuitansi_number: Mapped[Optional[str]] = mapped_column(String(60), unique=True)
    kuitansi_code: Mapped[Optional[str]] = mapped_column(String(12), unique=True)

    order: Mapped["Order"] = relationship()
    department: Mapped["Department"] = relationship()
    requester: Mapped["User"] = relationship(foreign_keys=[requester_id])
    approver: Mapped[Optional["User"]] = relationship(foreign_keys=[approver_id])
    bast_confirmed_by: Mapped[Optional["User"]] = relationship(foreign_keys=[bast_confirmed_by_id])
    treasury_recorded_by: Mapped[Optional["User"]] = relationship(foreign_keys=[treasury_recorded_by_id])
    tax_lines: Mapped[list["InvoiceTaxLine"]] = relationship(
        back_populates="purchase", cascade="all, delete-orphan", order_by="InvoiceTaxLine.id")

    def __repr__(self):
        return f"<DepartmentPurchase order={self.order_id} {self.decision or 'pending'}>"
