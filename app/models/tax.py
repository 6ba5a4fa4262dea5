"""Tax of department purchases: the dated rules (PPN, PPh 22/23, the final 0.5%, the regional
tax on food and drink) and the tax lines frozen on an issued invoice.

Rates are in hundredths of a percent (``rate_bp``: 1200 is 12 %, 150 is 1.5 %, 50 is 0.5 %);
the base of a rule is ``base_num/base_den`` of the price before the taxes in it (11/12 for PPN
from 2025). Money is whole rupiah. A rule applies on the days ``effective_from`` ..
``effective_until`` (inclusive; None: open-ended).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.states import in_clause
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.department import DepartmentPurchase

# ppn: VAT, in the price, collected by the treasurer above the threshold; pbjt: the regional
# tax on food and drink (catering), in the price, paid by the store to the city; pph22 / pph23:
# income tax the treasurer collects on goods / withholds on services; pph_final: the 0.5 %
# final tax of a certificate holder (PP 55/2022), instead of PPh 22/23.
TAX_CODES = ("ppn", "pbjt", "pph22", "pph23", "pph_final")
# One rule of a family applies to a line: either a consumption tax in the price, or an income tax.
TAX_FAMILIES = {"ppn": "price", "pbjt": "price", "pph22": "income", "pph23": "income", "pph_final": "income"}
# What a category sells, for tax (Category.tax_kind): catering is a service on which the
# regional tax replaces PPN (UU HKPD 1/2022).
TAX_KINDS = ("goods", "service", "catering")
RULE_APPLIES_TO = ("goods", "service", "catering", "all")
STORE_VAT = ("pkp", "non_pkp", "any")
STORE_CERTIFICATE = ("with", "without", "any")


class TaxRule(Model):
    """One dated tax rule. Rules used by an issued invoice are never changed: a change of
    the law is a new rule with its own start date."""

    __tablename__ = "tax_rules"
    __table_args__ = (
        CheckConstraint(in_clause("tax", TAX_CODES), name="tax_known"),
        CheckConstraint(in_clause("applies_to", RULE_APPLIES_TO), name="applies_to_known"),
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_range"),
        CheckConstraint("base_num > 0 AND base_den > 0 AND base_num <= base_den", name="base_fraction"),
        CheckConstraint("threshold >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tax: Mapped[str] = mapped_column(String(12))
    applies_to: Mapped[str] = mapped_column(String(10), default="all")
    store_vat: Mapped[str] = mapped_column(String(8), default="any")
    store_certificate: Mapped[str] = mapped_column(String(8), default="any")
    rate_bp: Mapped[int] = mapped_column(Integer)
    base_num: Mapped[int] = mapped_column(Integer, default=1)
    base_den: Mapped[int] = mapped_column(Integer, default=1)
    # Collected or withheld by the treasurer only when the invoice (not split) is above this.
    threshold: Mapped[int] = mapped_column(Integer, default=0)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    effective_from: Mapped[date] = mapped_column(Date)
    effective_until: Mapped[Optional[date]] = mapped_column(Date)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def family(self) -> str:
        return TAX_FAMILIES[self.tax]

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)

    def __repr__(self):
        return f"<TaxRule {self.tax} {self.applies_to} {self.rate_bp}bp from {self.effective_from}>"


class InvoiceTaxLine(Model):
    """One tax of an issued invoice (or kuitansi), as computed when it was issued: the
    numbers are copied, so a later rule never changes it."""

    __tablename__ = "invoice_tax_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("department_purchases.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("tax_rules.id"), index=True)
    tax: Mapped[str] = mapped_column(String(12))
    applies_to: Mapped[str] = mapped_column(String(10))
    base: Mapped[int] = mapped_column(Integer)  # the DPP
    rate_bp: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    in_price: Mapped[bool] = mapped_column(Boolean, default=False)
    withheld: Mapped[int] = mapped_column(Integer, default=0)  # what the treasurer keeps and pays to the state
    legal_basis: Mapped[str] = mapped_column(String(200), default="")

    purchase: Mapped["DepartmentPurchase"] = relationship(back_populates="tax_lines")
    rule: Mapped[TaxRule] = relationship()
