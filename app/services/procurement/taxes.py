"""The tax of a department order: the store's tax profile on a day (from its documents the
mentor checked), the invoice's lines, the preview on an order and the tax frozen on the
invoice or kuitansi when it is issued.

Rules kept here:
- a store is PKP on a day when it holds a valid SPPKP then, and pays the final 0.5 % when it
  holds a valid PP 55/2022 certificate then: an expired certificate changes the tax of
  invoices issued after it, never of one already issued;
- the tax is computed from the invoice's lines (``invoice_lines``: what is delivered and
  accepted, at the agreed price) by ``app.services.tax.compute`` with the rules in force on
  the day of issue, and copied into invoice_tax_lines; from then on it is read, never
  recomputed;
- the treasurer's threshold is compared with the whole package: the department's live
  orders from the same store under the same kode RUP, so splitting a purchase does not
  escape it.
"""
from __future__ import annotations

from datetime import date

from app import clock
from app.extensions import db
from app.models import LEDGER_PAYMENT_MODES, BusinessDocument, DepartmentPurchase, InvoiceTaxLine, Order, TaxRule
from app.services import tax as calc
from app.services.acceptance import accepted_lines

CLOSED_STATES = ("cancelled", "declined", "expired", "refused")


def store_profile(store, day: date) -> calc.StoreProfile:
    documents = db.session.execute(
        db.select(BusinessDocument).where(BusinessDocument.store_id == store.id,
                                          BusinessDocument.kind.in_(("npwp", "sppkp", "pp55")))
    ).scalars().all()
    valid = {d.kind: d for d in documents if d.is_valid_on(day)}
    return calc.StoreProfile(pkp="sppkp" in valid, certificate="pp55" in valid,
                             npwp=valid["npwp"].number if "npwp" in valid else "")


def _kind_of(item) -> str:
    product = item.product
    category = product.category if product is not None else None
    return getattr(category, "tax_kind", None) or "goods"


def invoice_lines(order) -> list[calc.Line]:
    """The lines the invoice charges, for tax: one per order line, its kind from the
    product's category and its amount as accepted at the handover (app.services.acceptance:
    a line accepted in part is charged for the accepted quantity; a negotiated price is
    already the line's price)."""
    return [calc.Line(_kind_of(line.item), line.amount) for line in accepted_lines(order)]


def package_gross(purchase) -> int:
    """The whole purchase the threshold is about: this order and the department's other live
    orders from the same store under the same kode RUP."""
    others = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(db.func.coalesce(DepartmentPurchase.tax_gross, Order.total)), 0))
        .join(Order, Order.id == DepartmentPurchase.order_id)
        .where(DepartmentPurchase.department_id == purchase.department_id,
               DepartmentPurchase.kode_rup == purchase.kode_rup, Order.store_id == purchase.order.store_id,
               DepartmentPurchase.id != purchase.id, Order.state.not_in(CLOSED_STATES))
    ).scalar_one()
    return int(others) + sum(line.gross for line in invoice_lines(purchase.order))


def all_rules() -> list[TaxRule]:
    return list(db.session.execute(db.select(TaxRule).order_by(TaxRule.tax, TaxRule.effective_from)).scalars())


def compute_for(purchase, day: date | None = None) -> calc.Breakdown:
    """The tax the invoice would carry if issued on ``day`` (default today)."""
    day = day or clock.today()
    return calc.compute(invoice_lines(purchase.order), store_profile(purchase.order.store, day), all_rules(), day,
                        package_gross=package_gross(purchase))


def breakdown(purchase) -> calc.Breakdown:
    """The invoice's tax: as frozen when issued, else as it would be today."""
    if purchase.tax_issued_at is None:
        return compute_for(purchase)
    result = calc.Breakdown(gross=purchase.tax_gross or 0)
    for line in purchase.tax_lines:
        result.lines.append(calc.TaxLine(line.tax, line.applies_to, line.rule_id, line.base, line.rate_bp,
                                         line.amount, line.in_price, line.withheld, line.legal_basis))
    result.price = result.gross - sum(t.amount for t in result.lines if t.in_price)
    return result


def freeze_tax(purchase, collect=True) -> calc.Breakdown:
    """Compute the tax on today's rules and the store's profile today and copy it onto the
    purchase. ``collect=False``: paid in full by card, nothing is withheld (the taxes in the
    price are shown; income tax is the store's to settle). No commit: the caller's
    transaction issues the document it belongs to."""
    result = compute_for(purchase)
    if not collect:
        result.lines = [line for line in result.lines if line.in_price]
        for line in result.lines:
            line.withheld = 0
    purchase.tax_lines.clear()
    for line in result.lines:
        purchase.tax_lines.append(InvoiceTaxLine(
            rule_id=line.rule_id, tax=line.tax, applies_to=line.applies_to, base=line.base, rate_bp=line.rate_bp,
            amount=line.amount, in_price=line.in_price, withheld=line.withheld, legal_basis=line.legal_basis))
    purchase.tax_gross, purchase.tax_withheld = result.gross, result.withheld
    purchase.net_payable, purchase.tax_issued_at = result.net_payable, clock.now()
    return result


def amount_due(purchase) -> int:
    """What the treasurer pays the store: the net payable of the frozen tax (an invoice
    issued before taxes were kept: its amount)."""
    if purchase.net_payable is not None:
        return purchase.net_payable
    return purchase.invoice_amount if purchase.invoice_amount is not None else purchase.order.total


# ------------------------------------------------------------------ the treasurer's register

REGISTER_TAXES = ("ppn", "pph22", "pph23", "pph_final")


def month_range(year: int | None, month: int | None) -> tuple[date, date]:
    """The first and last day of a month (default: this month, Pontianak time)."""
    today = clock.today()
    year, month = year or today.year, month or today.month
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        year, month = today.year, today.month
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def paid_in(department_id: int, first: date, last: date, modes=None):
    query = (db.select(DepartmentPurchase)
             .where(DepartmentPurchase.department_id == department_id,
                    DepartmentPurchase.treasury_paid_on >= first, DepartmentPurchase.treasury_paid_on <= last))
    if modes:
        query = query.where(DepartmentPurchase.payment_mode.in_(modes))
    return db.session.execute(
        query.options(db.joinedload(DepartmentPurchase.order).joinedload(Order.store),
                      db.joinedload(DepartmentPurchase.order).selectinload(Order.items),
                      db.selectinload(DepartmentPurchase.tax_lines))
        .order_by(DepartmentPurchase.treasury_paid_on, DepartmentPurchase.id)
    ).unique().scalars().all()


def register_rows(purchases):
    """One row a payment: what was withheld or collected, per tax, with the store's NPWP,
    the slip and the NTPN; the treasurer files from it."""
    rows = []
    for purchase in purchases:
        result = breakdown(purchase)
        withheld = {code: sum(t.withheld for t in result.lines if t.tax == code) for code in REGISTER_TAXES}
        profile = store_profile(purchase.order.store, purchase.treasury_paid_on)
        rows.append({
            "paid_on": purchase.treasury_paid_on, "order": purchase.order.number,
            "document": purchase.kuitansi_number or purchase.invoice_number or "",
            "mode": purchase.payment_mode, "store": purchase.order.store.name, "npwp": profile.npwp,
            "gross": result.gross, "dpp": result.dpp, **withheld, "withheld": result.withheld,
            "net": purchase.treasury_amount or 0, "slip": purchase.tax_slip,
            "ntpn": purchase.ntpn or ("pending" if purchase.ntpn_pending else ""),
            "purchase": purchase,
        })
    return rows


# ------------------------------------------------------------------ the store's side

# How the money of a department order reaches the store (LEDGER_PAYMENT_MODES, app.models.department):
# the department's card (KKPD) is a card payment the programme collects, so the ledger credits the
# store the gross and a payout brings it; the treasurer (LS transfer, UP at the handover) pays the
# net straight to the store's bank and pays the tax withheld or collected to the state in the store's name.


def settlement_rows(purchases, credits: dict[int, int]) -> list[dict]:
    """One row a department order of a store, read from its frozen tax (never recomputed):
    gross, PPN, the income tax withheld or collected (PPh 22/23, final 0.5 %), what the
    treasurer kept, the net the store gets, and where that net is: ``credits`` maps an order
    id to what the ledger credited it (order_paid)."""
    rows = []
    for purchase in purchases:
        result = breakdown(purchase)
        income = [t for t in result.lines if t.tax in ("pph22", "pph23", "pph_final") and t.withheld]
        ppn_collected = sum(t.withheld for t in result.lines if t.tax == "ppn")
        credited = int(credits.get(purchase.order_id, 0))
        paid = purchase.treasury_recorded_at is not None
        through_ledger = purchase.payment_mode in LEDGER_PAYMENT_MODES
        rows.append({
            "purchase": purchase, "order": purchase.order, "number": purchase.order.number,
            "document": purchase.kuitansi_number or purchase.invoice_number or "",
            "mode": purchase.payment_mode, "department": purchase.department.name,
            "gross": result.gross, "ppn": result.ppn, "ppn_collected": ppn_collected,
            "income_tax": result.income_tax, "income_taxes": sorted({t.tax for t in income}),
            "withheld": result.withheld, "net": result.net_payable,
            "in_ledger": credited,
            "paid_directly": (purchase.treasury_amount or 0) if paid and not through_ledger else 0,
            "state": ("in_balance" if through_ledger and credited else
                      "paid_by_treasurer" if paid and not through_ledger else "awaiting"),
            "paid_on": purchase.treasury_paid_on,
        })
    return rows


def frozen_purchases(order_ids):
    """The department purchases of ``order_ids`` whose tax is frozen, with their tax lines,
    order and department, in two queries (the purchases, then their tax lines)."""
    if not order_ids:
        return []
    return db.session.execute(
        db.select(DepartmentPurchase)
        .where(DepartmentPurchase.order_id.in_(list(order_ids)), DepartmentPurchase.tax_issued_at.is_not(None))
        .options(db.joinedload(DepartmentPurchase.order), db.joinedload(DepartmentPurchase.department),
                 db.selectinload(DepartmentPurchase.tax_lines))
        .order_by(DepartmentPurchase.tax_issued_at.desc(), DepartmentPurchase.id.desc())
    ).unique().scalars().all()


def order_credits(order_ids) -> dict[int, int]:
    """What the ledger credited each order (order_paid), in one query."""
    from app.models import LedgerEntry

    if not order_ids:
        return {}
    return {order_id: int(amount) for order_id, amount in db.session.execute(
        db.select(LedgerEntry.order_id, db.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.account == "store", LedgerEntry.reason == "order_paid",
               LedgerEntry.order_id.in_(list(order_ids)))
        .group_by(LedgerEntry.order_id)).tuples()}


def store_settlements(store_id, limit=200) -> list[dict]:
    """The store's department orders with a frozen tax, newest first, for its balance page."""
    order_ids = db.session.execute(
        db.select(DepartmentPurchase.order_id).join(Order, Order.id == DepartmentPurchase.order_id)
        .where(Order.store_id == store_id, DepartmentPurchase.tax_issued_at.is_not(None))
        .order_by(DepartmentPurchase.tax_issued_at.desc()).limit(limit)
    ).scalars().all()
    return settlement_rows(frozen_purchases(order_ids), order_credits(order_ids))
