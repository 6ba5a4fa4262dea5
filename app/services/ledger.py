"""The settlement ledger: what the platform owes each store for card payments.

Rules kept here:
- entries are only added, never changed or removed; a balance is credits − debits;
- every entry has a unique ``entry_key`` (``order_paid:<order>``, ``refund:<refund>``,
  ``payout:<payout>`` …), so applying the same fact twice writes nothing the second time;
- a paid order credits its store the order total and debits the platform fee, which is
  credited to the platform account; a refund debits the store and gives back the fee's
  share of it; a payout debits the store;
- no function here commits: they run inside the caller's transaction.

Invariant (``check_books``): for every store the entries sum to what its paid orders,
fees, refunds and payouts say, and over all stores
``Σ store balances + Σ payouts + platform fees = money captured − money refunded``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import case, func

from app.extensions import db
from app.models import CardPayment, LedgerEntry, Order, Payout, Refund, Store


def fee_for(amount: int, percent=None) -> int:
    """The platform fee on ``amount`` rupiah, rounded half up to a whole rupiah."""
    if percent is None:
        percent = current_app.config.get("PLATFORM_FEE_PERCENT", 0) or 0
    fee = (Decimal(int(amount)) * Decimal(str(percent)) / Decimal(100)).quantize(Decimal(1), ROUND_HALF_UP)
    return max(0, min(int(amount), int(fee)))


def _exists(key) -> bool:
    return db.session.execute(db.select(LedgerEntry.id).where(LedgerEntry.entry_key == key)).first() is not None


def _add(key, *, store_id, kind, reason, amount, account="store", **refs):
    """Add one entry unless its key is already written; returns the entry or None."""
    if amount <= 0 or _exists(key):
        return None
    entry = LedgerEntry(entry_key=key, account=account, store_id=store_id, kind=kind, reason=reason,
                        amount=int(amount), **refs)
    db.session.add(entry)
    db.session.flush()
    return entry


def credit_order_paid(order: Order, card_payment: CardPayment | None = None) -> bool:
    """The store earns the order total less the platform fee. True when written now."""
    refs = {"order_id": order.id, "card_payment_id": card_payment.id if card_payment else None}
    entry = _add(f"order_paid:{order.id}", store_id=order.store_id, kind="credit", reason="order_paid",
                 amount=order.total, memo=order.number or "", **refs)
    if entry is None:
        return False
    fee = fee_for(order.total)
    if fee:
        _add(f"fee:{order.id}:store", store_id=order.store_id, kind="debit", reason="fee", amount=fee,
             memo=order.number or "", **refs)
        _add(f"fee:{order.id}:platform", account="platform", store_id=order.store_id, kind="credit",
             reason="fee", amount=fee, memo=order.number or "", **refs)
    return True


def _fee_charged(order_id) -> int:
    signed = case((LedgerEntry.kind == "credit", LedgerEntry.amount), else_=-LedgerEntry.amount)
    return int(db.session.execute(
        db.select(func.coalesce(func.sum(signed), 0))
        .where(LedgerEntry.account == "platform", LedgerEntry.order_id == order_id)
    ).scalar_one())


def debit_refund(refund: Refund) -> bool:
    """The store gives back the refunded amount; the fee on it goes back to the store."""
    order = refund.order
    refs = {"order_id": order.id, "refund_id": refund.id, "card_payment_id": refund.card_payment_id}
    entry = _add(f"refund:{refund.id}", store_id=order.store_id, kind="debit", reason="refund",
                 amount=refund.amount, memo=order.number or "", **refs)
    if entry is None:
        return False
    # Fee returned = fee(all refunded so far) − fee(refunded before), capped by what is left.
    refunded_before = int(db.session.execute(
        db.select(func.coalesce(func.sum(Refund.amount), 0))
        .where(Refund.order_id == order.id, Refund.status == "succeeded", Refund.id != refund.id)
    ).scalar_one())
    back = fee_for(refunded_before + refund.amount) - fee_for(refunded_before)
    back = min(back, _fee_charged(order.id))
    if back > 0:
        _add(f"refund_fee:{refund.id}:store", store_id=order.store_id, kind="credit", reason="fee",
             amount=back, memo=order.number or "", **refs)
        _add(f"refund_fee:{refund.id}:platform", account="platform", store_id=order.store_id, kind="debit",
             reason="fee", amount=back, memo=order.number or "", **refs)
    return True


def debit_payout(payout: Payout) -> bool:
    return _add(f"payout:{payout.id}", store_id=payout.store_id, kind="debit", reason="payout",
                amount=payout.amount, payout_id=payout.id, memo=payout.reference) is not None


# ------------------------------------------------------------------ reading


def _signed():
    return case((LedgerEntry.kind == "credit", LedgerEntry.amount), else_=-LedgerEntry.amount)


def balance(store_id, until=None) -> int:
    """The store's balance: its account's credits − debits (entries before ``until``)."""
    query = db.select(func.coalesce(func.sum(_signed()), 0)).where(
        LedgerEntry.account == "store", LedgerEntry.store_id == store_id)
    if until is not None:
        query = query.where(LedgerEntry.created_at < until)
    return int(db.session.execute(query).scalar_one())


def statement(store_id, limit=200):
    """The store's entries, newest first, with the running balance after each."""
    entries = db.session.execute(
        db.select(LedgerEntry).where(LedgerEntry.account == "store", LedgerEntry.store_id == store_id)
        .options(db.joinedload(LedgerEntry.order), db.joinedload(LedgerEntry.payout))
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).scalars().all()
    running, rows = 0, []
    for entry in entries:
        running += entry.signed_amount
        rows.append((entry, running))
    rows.reverse()
    return rows[:limit]


def platform_fees() -> int:
    return int(db.session.execute(
        db.select(func.coalesce(func.sum(_signed()), 0)).where(LedgerEntry.account == "platform")
    ).scalar_one())


# ------------------------------------------------------------------ invariants


@dataclass
class BooksReport:
    problems: list = field(default_factory=list)
    stores: dict = field(default_factory=dict)  # store id -> balance
    captured: int = 0
    refunded: int = 0
    payouts: int = 0
    fees: int = 0

    @property
    def balanced(self):
        return not self.problems


def check_books() -> BooksReport:
    """Check the ledger against the payments, refunds and payouts it records."""
    report = BooksReport()
    sums = db.session.execute(
        db.select(LedgerEntry.account, LedgerEntry.store_id, LedgerEntry.kind, LedgerEntry.reason,
                  func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.account, LedgerEntry.store_id, LedgerEntry.kind, LedgerEntry.reason)
    ).all()
    per_store: dict[int, dict[str, int]] = {}
    for account, store_id, kind, reason, total in sums:
        if account != "store":
            continue
        row = per_store.setdefault(store_id, {"credit": 0, "debit": 0, "order_paid": 0, "refund": 0,
                                              "payout": 0, "fee": 0})
        row[kind] += int(total)
        signed = int(total) if kind == "credit" else -int(total)
        if reason == "fee":
            row["fee"] += signed
        elif reason in row:
            row[reason] += int(total)

    # What the source records say each store should have.
    paid_orders = dict(db.session.execute(
        db.select(Order.store_id, func.sum(Order.total)).join(LedgerEntry, LedgerEntry.order_id == Order.id)
        .where(LedgerEntry.reason == "order_paid").group_by(Order.store_id)
    ).tuples().all())
    refunds = dict(db.session.execute(
        db.select(Order.store_id, func.sum(Refund.amount)).join(Order, Order.id == Refund.order_id)
        .where(Refund.status == "succeeded").group_by(Order.store_id)
    ).tuples().all())
    payouts = dict(db.session.execute(
        db.select(Payout.store_id, func.sum(Payout.amount)).where(Payout.paid_at.is_not(None))
        .group_by(Payout.store_id)
    ).tuples().all())
    names = dict(db.session.execute(db.select(Store.id, Store.name)).tuples().all())
    for store_id in sorted(set(per_store) | set(refunds) | set(payouts)):
        row = per_store.get(store_id, {"credit": 0, "debit": 0, "order_paid": 0, "refund": 0, "payout": 0, "fee": 0})
        bal = balance(store_id)
        report.stores[store_id] = bal
        name = names.get(store_id, store_id)
        if row["credit"] - row["debit"] != bal:
            report.problems.append(f"store {name}: credits − debits ≠ balance")
        if row["order_paid"] != int(paid_orders.get(store_id, 0) or 0):
            report.problems.append(f"store {name}: order credits {row['order_paid']} ≠ paid orders "
                                   f"{int(paid_orders.get(store_id, 0) or 0)}")
        if row["refund"] != int(refunds.get(store_id, 0) or 0):
            report.problems.append(f"store {name}: refund debits {row['refund']} ≠ refunds "
                                   f"{int(refunds.get(store_id, 0) or 0)}")
        if row["payout"] != int(payouts.get(store_id, 0) or 0):
            report.problems.append(f"store {name}: payout debits {row['payout']} ≠ payouts paid "
                                   f"{int(payouts.get(store_id, 0) or 0)}")

    report.captured = int(db.session.execute(
        db.select(func.coalesce(func.sum(CardPayment.amount_captured), 0)).where(CardPayment.status == "succeeded")
    ).scalar_one())
    report.refunded = int(db.session.execute(
        db.select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.status == "succeeded")
    ).scalar_one())
    report.payouts = int(sum(int(v or 0) for v in payouts.values()))
    report.fees = platform_fees()
    total_balances = sum(report.stores.values())
    if total_balances + report.payouts + report.fees != report.captured - report.refunded:
        report.problems.append(
            f"Σ store balances {total_balances} + payouts {report.payouts} + fees {report.fees} ≠ "
            f"captured {report.captured} − refunded {report.refunded}")

    # Each payment is fully allocated to its orders, and no order got back more than it paid.
    for payment in db.session.execute(
        db.select(CardPayment).where(CardPayment.status == "succeeded")
    ).scalars():
        credited = int(db.session.execute(
            db.select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .where(LedgerEntry.card_payment_id == payment.id, LedgerEntry.reason == "order_paid")
        ).scalar_one())
        if credited != payment.amount_captured:
            report.problems.append(f"payment {payment.intent_id}: captured {payment.amount_captured} "
                                   f"≠ credited to orders {credited}")
    over = db.session.execute(
        db.select(Order.number, Order.total, func.sum(Refund.amount)).join(Refund, Refund.order_id == Order.id)
        .where(Refund.status == "succeeded").group_by(Order.id, Order.number, Order.total)
        .having(func.sum(Refund.amount) > Order.total)
    ).all()
    for number, total, refunded in over:
        report.problems.append(f"order {number}: refunded {refunded} > paid {total}")
    return report
