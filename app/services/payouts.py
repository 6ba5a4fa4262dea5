"""Paying the stores what the ledger says they are owed.

Rules kept here:
- a batch covers a period (dates in WIB); each store gets its balance at the end of the
  period less what is already in unpaid payouts, if that is more than zero and the store
  has bank details (copied into the payout, so a later change does not alter it);
- a payout is recorded as paid once, with the bank's transfer reference; only then is
  the store's ledger debited;
- only admins do this; every step is audited.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func

from app import clock
from app.extensions import db
from app.models import LedgerEntry, Payout, PayoutBatch, Store
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import ledger
from app.services.exports import spreadsheet_safe


def _admin(user):
    if not user.has_role("admin"):
        raise NotAllowed(_("Only programme staff can manage payouts."))


def end_of_local_day(day: date) -> datetime:
    """The first instant after ``day`` in WIB, as an aware UTC datetime."""
    from datetime import timezone

    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ).astimezone(timezone.utc)


def unpaid_amount(store_id) -> int:
    return int(db.session.execute(
        db.select(func.coalesce(func.sum(Payout.amount), 0))
        .where(Payout.store_id == store_id, Payout.paid_at.is_(None))
    ).scalar_one())


def create_batch(admin, period_start: date | None, period_end: date | None):
    """Make the payouts of a period. Returns (batch, skipped store names without bank details)."""
    _admin(admin)
    if period_start is None or period_end is None:
        raise Invalid(_("Enter the first and last day of the period."))
    if period_start > period_end:
        raise Invalid(_("The period must start before it ends."))
    if period_end > clock.today():
        raise Invalid(_("The period cannot end in the future."))
    until = end_of_local_day(period_end)
    store_ids = db.session.execute(
        db.select(LedgerEntry.store_id).where(LedgerEntry.account == "store").distinct().order_by(LedgerEntry.store_id)
    ).scalars().all()
    batch = PayoutBatch(period_start=period_start, period_end=period_end, created_by_id=admin.id)
    skipped = []
    rows = []
    for store_id in store_ids:
        # Lock the store row so two admins making batches at once cannot both pay it.
        store = db.session.execute(db.select(Store).where(Store.id == store_id).with_for_update()).scalar_one()
        amount = ledger.balance(store_id, until=until) - unpaid_amount(store_id)
        if amount <= 0:
            continue
        if not (store.bank_name and store.bank_account_number and store.bank_account_holder):
            skipped.append(store.name)
            continue
        rows.append((store, amount))
    if not rows:
        db.session.rollback()
        raise Conflict(_("No store is owed anything for this period."))
    db.session.add(batch)
    db.session.flush()
    for store, amount in rows:
        payout = Payout(batch=batch, store_id=store.id, amount=amount,
                        reference=f"PKB-PO-{batch.id:04d}-{store.id:04d}",
                        bank_name=store.bank_name, bank_account_number=store.bank_account_number,
                        bank_account_holder=store.bank_account_holder)
        db.session.add(payout)
    db.session.flush()
    audit.record(admin, "payout.batch_created", batch, after={
        "period": [period_start.isoformat(), period_end.isoformat()],
        "payouts": [[p.store_id, p.amount] for p in batch.payouts]})
    db.session.commit()
    return batch, skipped


def get_batch(admin, batch_id):
    _admin(admin)
    batch = db.session.get(PayoutBatch, batch_id)
    if batch is None:
        raise NotFound(_("This payout batch does not exist."))
    return batch


def transfer_csv(admin, batch_id) -> str:
    """The bank-transfer file: bank, account, holder, amount, reference."""
    batch = get_batch(admin, batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["bank", "account", "holder", "amount", "reference"])
    for payout in batch.payouts:
        writer.writerow([spreadsheet_safe(payout.bank_name or ""),
                         spreadsheet_safe(payout.bank_account_number or ""),
                         spreadsheet_safe(payout.bank_account_holder or ""), payout.amount,
                         spreadsheet_safe(payout.reference or "")])
    return out.getvalue()


def record_transfer(admin, payout_id, transfer_reference):
    """The bank transfer was made: record its reference; the store's ledger is debited."""
    _admin(admin)
    reference = (transfer_reference or "").strip()
    if not reference:
        raise Invalid(_("Enter the bank's transfer reference."))
    if len(reference) > 80:
        raise Invalid(_("Keep the transfer reference under 80 characters."))
    payout = db.session.execute(
        db.select(Payout).where(Payout.id == payout_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if payout is None:
        raise NotFound(_("This payout does not exist."))
    if payout.paid_at is not None:
        db.session.rollback()
        raise Conflict(_("Payout %(reference)s is already recorded as paid.", reference=payout.reference))
    payout.transfer_reference = reference
    payout.paid_at = clock.now()
    payout.recorded_by_id = admin.id
    ledger.debit_payout(payout)
    audit.record(admin, "payout.paid", payout, after={"amount": payout.amount, "transfer_reference": reference})
    db.session.commit()
    return payout


def batches(admin):
    _admin(admin)
    return db.session.execute(
        db.select(PayoutBatch).options(db.selectinload(PayoutBatch.payouts))
        .order_by(PayoutBatch.created_at.desc(), PayoutBatch.id.desc())
    ).scalars().all()


def store_payouts(store_id):
    return db.session.execute(
        db.select(Payout).where(Payout.store_id == store_id).order_by(Payout.created_at.desc(), Payout.id.desc())
    ).scalars().all()


def department_orders(batch) -> dict[int, list[dict]]:
    """Per payout of the batch, the department orders whose money it brings: those paid by
    the department's card (KKPD) and credited to the store's ledger after the store's previous
    payout's period and before the end of this one. Their tax is read as frozen on the
    invoice (procurement.taxes); a fixed number of queries for the whole batch."""
    from app.models import DepartmentPurchase
    from app.services.procurement import taxes

    payouts = list(batch.payouts)
    store_ids = [p.store_id for p in payouts]
    if not store_ids:
        return {}
    # The end of each store's previous payout period (an earlier batch): credits up to it
    # were paid out then.
    previous = dict(db.session.execute(
        db.select(Payout.store_id, func.max(PayoutBatch.period_end))
        .join(PayoutBatch, PayoutBatch.id == Payout.batch_id)
        .where(Payout.store_id.in_(store_ids), Payout.batch_id != batch.id,
               PayoutBatch.period_end < batch.period_end)
        .group_by(Payout.store_id)).tuples().all())
    credits = db.session.execute(
        db.select(LedgerEntry.store_id, LedgerEntry.order_id, LedgerEntry.amount, LedgerEntry.created_at)
        .join(DepartmentPurchase, DepartmentPurchase.order_id == LedgerEntry.order_id)
        .where(LedgerEntry.account == "store", LedgerEntry.reason == "order_paid",
               LedgerEntry.store_id.in_(store_ids), LedgerEntry.created_at < end_of_local_day(batch.period_end))
    ).all()
    wanted: dict[int, int] = {}
    store_of: dict[int, int] = {}
    for store_id, order_id, amount, created_at in credits:
        since = previous.get(store_id)
        if since is not None and _aware(created_at) < end_of_local_day(since):
            continue
        wanted[order_id] = wanted.get(order_id, 0) + int(amount)
        store_of[order_id] = store_id
    rows = taxes.settlement_rows(taxes.frozen_purchases(wanted), wanted)
    by_store: dict[int, list[dict]] = {}
    for row in rows:
        by_store.setdefault(store_of[row["purchase"].order_id], []).append(row)
    return {p.id: by_store.get(p.store_id, []) for p in payouts}


def _aware(moment):
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def department_orders_csv(admin, batch_id) -> str:
    """The department orders each payout of the batch brings, with their tax as invoiced:
    gross, PPN, income tax withheld or collected, what the treasurer kept, the net. One row an
    order; the bank-transfer file stays one row a transfer, as the bank reads it."""
    batch = get_batch(admin, batch_id)
    rows = department_orders(batch)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_reference", "store", "order", "document", "payment_mode", "gross", "ppn",
                     "income_tax_withheld", "withheld_by_treasurer", "net", "in_payout"])
    for payout in batch.payouts:
        for row in rows.get(payout.id, []):
            writer.writerow([spreadsheet_safe(payout.reference or ""), spreadsheet_safe(payout.store.name),
                             spreadsheet_safe(row["number"] or ""), spreadsheet_safe(row["document"]), row["mode"],
                             row["gross"], row["ppn"], row["income_tax"], row["withheld"], row["net"],
                             row["in_ledger"]])
    return out.getvalue()
