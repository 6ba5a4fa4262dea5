"""The department purchase itself: the checkout's budget line and cap, the approval, auto-
cancel of orders left unapproved, the handover (BAST), the treasury payment, the
notifications and the lists of each party."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.authz import (approver_department_ids, is_approver, is_purchase_party, is_purchaser, is_treasurer,
                       treasurer_department_ids)
from app.clock import LOCAL_TZ
from app.extensions import db
from app.labels import DEPARTMENT_DECISION_LABELS, ORDER_STATE_LABELS, PAYMENT_MODE_LABELS
from app.models import (
    DEFAULT_ORDER_CAP,
    PAYMENT_MODES,
    Department,
    DepartmentPurchase,
    Order,
    OrderItem,
    Product,
    User,
    UserRole,
)
from app.services.acceptance import check_no_open_report, record_acceptance
from app.services.order_flow import add_event, apply_transition
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import notifications as notify
from app.services.mail import queue_email
from app.services.procurement.calendar import approval_deadline
from app.services.procurement.departments import people_with_role
from app.services.procurement import taxes
from app.services.procurement.terms import APPROVAL_WORKING_DAYS, INVOICE_TERM_DAYS, KODE_REKENING, KODE_RUP, rupiah
from app.urls import absolute, path_for


def check_department_checkout(user, total, data):
    """Raise a DomainError unless ``user`` may buy ``total`` for their department with
    the budget line and purpose in ``data``."""
    if not is_purchaser(user):
        raise NotAllowed(_("Only a purchaser (PP) of your department can make a department purchase."))
    department = user.department
    kode_rup = (data.get("kode_rup") or "").strip()
    kode_rekening = (data.get("kode_rekening") or "").strip()
    purpose = (data.get("purpose") or "").strip()
    if not KODE_RUP.fullmatch(kode_rup):
        raise Invalid(_("The kode RUP is 6 to 12 digits, e.g. 48123456."))
    if not KODE_REKENING.fullmatch(kode_rekening):
        raise Invalid(_("The kode rekening belanja is numbers separated by dots, e.g. 5.1.02.01.01.0024."))
    if len(purpose) < 5:
        raise Invalid(_("Describe the purpose of the purchase, e.g. Rapat koordinasi 12 Desember."))
    if len(purpose) > 300:
        raise Invalid(_("Keep the purpose under 300 characters."))
    mode = (data.get("payment_mode") or "ls").strip()
    if mode not in PAYMENT_MODES:
        raise Invalid(_("Choose how the department pays: LS (treasury transfer) or UP (card or treasurer)."))
    if mode != "ls":
        up_cap = current_app.config["DEPARTMENT_UP_CAP"]
        if total > up_cap:
            raise Invalid(_("A UP (petty cash) purchase may be at most %(cap)s per order; this cart comes to "
                            "%(total)s. Choose LS (treasury transfer after the invoice), or order less.",
                            cap=rupiah(up_cap), total=rupiah(total)))
    if mode == "up_card":
        from app.services import stripe_gateway

        if not stripe_gateway.enabled():
            raise Invalid(_("Card payments are not set up here, so the department's card (KKPD) cannot be used. "
                            "Choose LS or UP by the treasurer."))
    if mode == "up_treasurer" and not people_with_role(department.id, "treasurer"):
        raise Conflict(_("%(department)s has no treasurer (bendahara pengeluaran) who could pay at the handover. "
                         "Ask the programme admin to name one, or choose LS.", department=department.name))
    cap = department.order_cap or DEFAULT_ORDER_CAP
    if total > cap:
        raise Invalid(_("A department purchase of %(department)s may be at most %(cap)s per order; this cart comes to "
                        "%(total)s. Remove some items, or choose another payment method.",
                        department=department.name, cap=rupiah(cap), total=rupiah(total)))
    if not [a for a in people_with_role(department.id, "approver") if a.id != user.id]:
        raise Conflict(_("%(department)s has no approver (PPK) who could approve your order. "
                         "Ask the programme admin to name one.", department=department.name))


def open_purchases(checkout, orders):
    """Called by the payment method inside the placing transaction: one
    DepartmentPurchase per order, audit, and one notice to each approver."""
    buyer = checkout.buyer
    data = checkout.payment_data or {}
    now = clock.now()
    purchases = []
    for order in orders:
        purchase = DepartmentPurchase(
            order=order, department_id=buyer.department_id, requester_id=buyer.id,
            kode_rup=data.get("kode_rup", "").strip(), kode_rekening=data.get("kode_rekening", "").strip(),
            purpose=data.get("purpose", "").strip()[:300], requested_at=now, decision="",
            payment_mode=(data.get("payment_mode") or "ls").strip(),
        )
        db.session.add(purchase)
        purchases.append(purchase)
    db.session.flush()
    for purchase in purchases:
        audit.record(buyer, "department.request", purchase, before=None, after={
            "order": purchase.order.number, "total": purchase.order.total, "kode_rup": purchase.kode_rup,
            "kode_rekening": purchase.kode_rekening, "purpose": purchase.purpose,
            "payment_mode": purchase.payment_mode})
    total = sum(o.total for o in orders)
    numbers = ", ".join(o.number for o in orders)
    for approver in people_with_role(buyer.department_id, "approver"):
        if approver.id == buyer.id:
            continue
        link = path_for("procurement.approvals")
        notify.add(approver, "department_request", link=link, requester=buyer.full_name, number=numbers,
                   total=rupiah(total))
        queue_email(approver.email, _l("Approval needed: department order %(number)s", number=numbers),
                    "department_request", locale=approver.locale, recipient=approver, requester=buyer,
                    purchases=purchases, total=total, link=absolute(link))
    return purchases


def on_order_closed(order, actor, action):
    """The order was cancelled, declined, refused or expired: close its purchase record."""
    purchase = purchase_of(order)
    if purchase is not None and not purchase.decision:
        purchase.decision = {"refuse": "refused", "expire": "expired"}.get(action, "cancelled")
        purchase.decided_at = clock.now()


def purchase_of(order):
    return db.session.execute(
        db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order.id)
    ).scalar_one_or_none()


# ------------------------------------------------------------------ loading with permission

_LOAD = (
    db.joinedload(DepartmentPurchase.order).joinedload(Order.store),
    # the lines with their products' photos (thumbnails on the approver's and purchaser's pages)
    db.joinedload(DepartmentPurchase.order).selectinload(Order.items).selectinload(OrderItem.product)
    .selectinload(Product.images),
    db.joinedload(DepartmentPurchase.requester),
    db.joinedload(DepartmentPurchase.department),
)


def _purchase_by_order(order_id):
    purchase = db.session.execute(
        db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order_id).options(*_LOAD)
    ).unique().scalar_one_or_none()
    if purchase is None:
        raise NotFound(_("This department order does not exist."))
    return purchase


def get_purchase_for(user, order_id):
    """A department order as seen by one of its parties; anyone else: 404."""
    purchase = _purchase_by_order(order_id)
    if not is_purchase_party(user, purchase):
        raise NotFound(_("This department order does not exist."))
    return purchase


def get_purchase_for_approver(user, order_id):
    purchase = _purchase_by_order(order_id)
    if not is_approver(user, purchase.department_id):
        raise NotFound(_("This department order does not exist."))
    return purchase


# ------------------------------------------------------------------ approval


def approval_queue(user):
    """Orders waiting for ``user``'s approval: those of the departments they approve for."""
    ids = approver_department_ids(user)
    if not ids:
        return []
    return db.session.execute(
        db.select(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
        .where(DepartmentPurchase.department_id.in_(ids), Order.state == "awaiting_approval")
        .options(*_LOAD).order_by(DepartmentPurchase.requested_at, DepartmentPurchase.id)
    ).unique().scalars().all()


def pending_count(user) -> int:
    """The approvals badge: orders others placed that ``user`` may approve."""
    ids = approver_department_ids(user)
    if not ids:
        return 0
    return db.session.execute(
        db.select(db.func.count(DepartmentPurchase.id)).join(Order, Order.id == DepartmentPurchase.order_id)
        .where(DepartmentPurchase.department_id.in_(ids), Order.state == "awaiting_approval",
               DepartmentPurchase.requester_id != user.id)
    ).scalar_one()


def _decide(approver, order_id, note):

    purchase = get_purchase_for_approver(approver, order_id)
    order = purchase.order
    if purchase.requester_id == approver.id:
        raise NotAllowed(_("You placed order %(number)s yourself: another approver of your department must decide it.",
                           number=order.number))
    if purchase.decision or order.state != "awaiting_approval":
        if purchase.decision == "approved":
            raise Conflict(_("Order %(number)s has already been approved.", number=order.number))
        raise Conflict(_("Order %(number)s cannot be decided: it is %(state)s.", number=order.number,
                         state=ORDER_STATE_LABELS.get(order.state, order.state)))
    note = (note or "").strip()
    if len(note) > 1000:
        raise Invalid(_("Keep the note under 1000 characters."))
    return purchase, order, note


def document_code(kind, number) -> str:
    """A short code derived from the document with the app's secret: 10 characters."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"pkb-document:{kind}:{number}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:10]


def format_code(code) -> str:
    return f"{code[:5]}-{code[5:]}" if code else ""


def _issue_numbers(purchase):
    order, department = purchase.order, purchase.department
    year = clock.local_now().year
    purchase.sp_number = f"{order.id:06d}/SP/{department.code}/{year}"
    purchase.bast_number = f"{order.id:06d}/BAST/{department.code}/{year}"
    purchase.invoice_number = f"INV/{year}/{order.id:06d}"
    purchase.sp_code = document_code("sp", purchase.sp_number)
    purchase.bast_code = document_code("bast", purchase.bast_number)
    purchase.invoice_code = document_code("invoice", purchase.invoice_number)


def approve_order(approver, order_id, note=""):
    """The approver (PPK) of the buyer's department approves: the order goes to the
    store as placed and the Surat Pesanan is issued."""

    purchase, order, note = _decide(approver, order_id, note)
    before = {"state": order.state, "decision": purchase.decision}
    apply_transition(order, "approve", approver, "approver", note)
    purchase.decision, purchase.approver_id, purchase.decided_at = "approved", approver.id, clock.now()
    purchase.decision_note = note
    _issue_numbers(purchase)
    if purchase.payment_mode == "up_card":
        _open_card_payment(purchase)
    audit.record(approver, "department.approve", purchase, before=before,
                 after={"state": order.state, "decision": "approved", "sp_number": purchase.sp_number},
                 note=note)
    _tell_requester(purchase, "department_approved", approver, note)
    _tell_store_approved(purchase)
    db.session.commit()
    return purchase


def _open_card_payment(purchase):
    """KKPD: once approved, the purchaser pays by the department's card on the checkout's
    card payment page (the Stripe path of card orders; the webhook marks it paid)."""
    from app.models import CardPayment

    order = purchase.order
    checkout = order.checkout_attempt
    exists = db.session.execute(
        db.select(CardPayment.id).where(CardPayment.checkout_attempt_id == checkout.id)).first()
    if exists is None:
        db.session.add(CardPayment(checkout_attempt_id=checkout.id, buyer_id=checkout.buyer_id, amount=order.total,
                                   status="new",
                                   idempotency_key=f"pkb-kkpd-{checkout.id}-{checkout.idempotency_key}"))


def on_card_paid(order, payment):
    """The department's card (KKPD) paid an approved order (inside sync_intent's
    transaction): the purchase records the payment and freezes the tax of its kuitansi. The
    card pays the gross, so nothing is withheld from it (the store settles its own tax)."""
    purchase = purchase_of(order)
    if purchase is None or purchase.treasury_recorded_at is not None:
        return
    taxes.freeze_tax(purchase, collect=False)
    now = clock.now()
    purchase.treasury_paid_on, purchase.treasury_amount = clock.today(), order.total
    purchase.treasury_reference = f"KKPD {payment.intent_id or payment.id}"[:80]
    purchase.treasury_recorded_by_id, purchase.treasury_recorded_at = purchase.requester_id, now
    order.payment_kind, order.payment_reference = "card", purchase.treasury_reference
    audit.record(None, "department.kkpd_paid", purchase, before={"payment_state": "due"},
                 after={"payment_state": "paid", "amount": order.total, "intent": payment.intent_id})


def refuse_order(approver, order_id, note):
    """The approver refuses, with a reason; the stock comes back."""

    if not (note or "").strip():
        # Check the order first, so another department's approver still gets 404.
        get_purchase_for_approver(approver, order_id)
        raise Invalid(_("Give a reason for refusing."))
    purchase, order, note = _decide(approver, order_id, note)
    before = {"state": order.state, "decision": purchase.decision}
    apply_transition(order, "refuse", approver, "approver", note)
    purchase.decision, purchase.approver_id, purchase.decided_at = "refused", approver.id, clock.now()
    purchase.decision_note = note
    audit.record(approver, "department.refuse", purchase, before=before,
                 after={"state": order.state, "decision": "refused"}, note=note)
    _tell_requester(purchase, "department_refused", approver, note)
    db.session.commit()
    return purchase


def cancel_stale_department_orders(now=None) -> int:
    """Cancel every department order still awaiting approval after 3 working days;
    the stock comes back. Returns the count."""

    now = now or clock.now()
    waiting = db.session.execute(
        db.select(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
        .where(Order.state == "awaiting_approval").options(*_LOAD).order_by(DepartmentPurchase.id)
    ).unique().scalars().all()
    done = 0
    for purchase in waiting:
        if now < approval_deadline(purchase.requested_at):
            continue
        order = purchase.order
        try:
            apply_transition(order, "expire", None, "system",
                             _("Not approved within %(days)s working days.", days=APPROVAL_WORKING_DAYS))
        except Conflict:
            continue
        purchase.decision, purchase.decided_at = "expired", now
        audit.record(None, "department.expire", purchase, before={"state": "awaiting_approval", "decision": ""},
                     after={"state": order.state, "decision": "expired"})
        _tell_requester(purchase, "department_expired", None, "")
        done += 1
    db.session.commit()
    return done


# ------------------------------------------------------------------ after delivery


def confirm_bast(purchaser, order_id, accepted=None):
    """The purchaser confirms the handover record of a delivered order: it is invoiced
    (the store's invoice to the department is issued) and the admins hear it is due.
    ``accepted`` ({order item id: quantity}) accepts part of it: the BAST and the invoice
    then cover only what was accepted (app.services.acceptance)."""

    purchase = get_purchase_for(purchaser, order_id)
    order = purchase.order
    if purchase.requester_id != purchaser.id:
        raise NotAllowed(_("Only the purchaser who placed order %(number)s confirms its handover.",
                           number=order.number))
    if order.state != "delivered":
        if purchase.bast_confirmed_at:
            raise Conflict(_("The handover of order %(number)s has already been confirmed.", number=order.number))
        raise Conflict(_("The handover can be confirmed once the store has delivered; order %(number)s is %(state)s.",
                         number=order.number, state=ORDER_STATE_LABELS.get(order.state, order.state)))
    check_no_open_report(order)
    before = {"state": order.state, "bast_confirmed_at": None}
    in_part = record_acceptance(order, accepted)
    if in_part:
        add_event(order, "accepted_in_part", order.state, order.state, purchaser, "; ".join(
            f"{line.item.name}: {line.quantity}/{line.item.quantity}" for line in in_part))
    apply_transition(order, "confirm_bast", purchaser, "buyer")
    now = clock.now()
    purchase.bast_confirmed_at, purchase.bast_confirmed_by_id = now, purchaser.id
    if purchase.payment_mode == "up_card" and order.payment_state == "paid":
        # Paid by the department's card after the approval: the handover completes it. The
        # card was charged the whole order, so a part is rejected by a problem report (the
        # store refunds it through Stripe), not by accepting less here.
        if in_part:
            raise Conflict(_("Order %(number)s was paid by the department's card (KKPD): report a problem with the "
                             "items you reject, so that the store refunds them, instead of accepting part of it here.",
                             number=order.number))
        apply_transition(order, "record_treasury_payment", purchaser, "admin", purchase.treasury_reference)
        purchase.invoice_amount, purchase.invoice_issued_at = order.total, now
        purchase.invoice_due_on = purchase.treasury_paid_on
        audit.record(purchaser, "department.confirm_bast", purchase, before=before, after={
            "state": order.state, "bast_number": purchase.bast_number, "paid_by": "kkpd"})
        db.session.commit()
        return purchase
    if purchase.payment_mode == "up_card":
        raise Conflict(_("Order %(number)s is paid by the department's card (KKPD): pay it before confirming the "
                         "handover.", number=order.number))
    # The tax is computed from what was accepted (taxes.invoice_lines reads app.services.acceptance).
    breakdown = taxes.freeze_tax(purchase)
    purchase.invoice_amount, purchase.invoice_issued_at = breakdown.gross, now
    purchase.invoice_due_on = clock.today() + timedelta(days=INVOICE_TERM_DAYS)
    audit.record(purchaser, "department.confirm_bast", purchase, before=before, after={
        "state": order.state, "bast_number": purchase.bast_number, "invoice_number": purchase.invoice_number,
        "invoice_amount": purchase.invoice_amount, "tax_withheld": purchase.tax_withheld,
        "net_payable": purchase.net_payable,
        "accepted": {str(line.item.id): line.quantity for line in in_part}})
    link = path_for("procurement.treasury")
    for treasurer in people_with_role(purchase.department_id, "treasurer"):
        notify.add(treasurer, "department_invoice_due", link=link, invoice=purchase.invoice_number,
                   department=purchase.department.name, number=order.number, total=rupiah(purchase.net_payable))
    link = path_for("procurement.spend")
    for admin in _admins():
        notify.add(admin, "department_invoice_due", link=link, invoice=purchase.invoice_number,
                   department=purchase.department.name, number=order.number, total=rupiah(purchase.invoice_amount))
        queue_email(admin.email, _l("Invoice due: %(invoice)s", invoice=purchase.invoice_number),
                    "department_invoice_due", locale=admin.locale, recipient=admin, purchase=purchase,
                    order=order, link=absolute(link))
    db.session.commit()
    return purchase


def treasury_date_range(purchase) -> tuple[date, date]:
    """The days a treasury transfer may be dated: from the handover (BAST) to today."""
    today = clock.today()
    if purchase.bast_confirmed_at is None:
        return date.min, today
    return min(purchase.bast_confirmed_at.astimezone(LOCAL_TZ).date(), today), today


def _treasury_purchase(actor, order_id):
    """The purchase for its department's treasurer or an admin; another party of the order:
    403; anyone else (a treasurer of another department too): 404."""
    purchase = _purchase_by_order(order_id)
    if not (actor.has_role("admin") or is_treasurer(actor, purchase.department_id)):
        if is_purchase_party(actor, purchase):
            raise NotAllowed(_("Only the department's treasurer records its payments."))
        raise NotFound(_("This department order does not exist."))
    return purchase


def _check_tax_references(purchase, slip, ntpn, ntpn_pending):
    """The slip (bukti potong/pungut) and NTPN the treasurer records with a payment that
    withheld or collected tax; (slip, ntpn, pending)."""
    slip, ntpn = (slip or "").strip(), re.sub(r"\s", "", (ntpn or "")).upper()
    if not purchase.tax_withheld:
        return slip[:60], ntpn[:30], False
    if not slip or len(slip) > 60:
        raise Invalid(_("Enter the number of the withholding/collection slip (bukti potong/pungut), "
                        "at most 60 characters."))
    if ntpn_pending:
        if ntpn:
            raise Invalid(_("Either enter the NTPN or mark it pending, not both."))
        return slip, "", True
    if not re.fullmatch(r"[0-9A-Z]{16}", ntpn):
        raise Invalid(_("The NTPN is the 16 letters and digits of the state's receipt; "
                        "mark it pending if the tax is not paid yet."))
    return slip, ntpn, False


def record_treasury_payment(actor, order_id, paid_on: date | None, amount: int, reference: str | None,
                            slip: str | None = "", ntpn: str | None = "", ntpn_pending: bool = False):
    """The department's treasurer (or an admin) records the payment of an invoice to the
    store. It must equal the net payable (the invoice less the tax withheld or collected)
    and be dated between the handover and today; with tax withheld it names the slip and
    the NTPN (or marks it pending). The order is then paid and completed."""

    purchase = _treasury_purchase(actor, order_id)
    order = purchase.order
    if order.state != "invoiced":
        if purchase.treasury_recorded_at:
            raise Conflict(_("The treasury payment of order %(number)s has already been recorded.",
                             number=order.number))
        raise Conflict(_("Order %(number)s has no invoice due: it is %(state)s.", number=order.number,
                         state=ORDER_STATE_LABELS.get(order.state, order.state)))
    if not isinstance(paid_on, date):
        raise Invalid(_("Enter the date of the transfer."))
    first, last = treasury_date_range(purchase)
    if paid_on > last:
        raise Invalid(_("The transfer date cannot be in the future."))
    if paid_on < first:
        raise Invalid(_("The transfer date cannot be before the handover was confirmed."))
    due = taxes.amount_due(purchase)
    if amount != due:
        raise Invalid(_("The amount paid (%(amount)s) does not match the invoice amount to pay, the net payable "
                        "%(invoice)s (%(gross)s less %(tax)s tax withheld or collected). Check the transfer; "
                        "nothing was recorded.",
                        amount=rupiah(amount), invoice=rupiah(due), gross=rupiah(purchase.invoice_amount),
                        tax=rupiah(purchase.tax_withheld or 0)))
    reference = (reference or "").strip()
    if not reference or len(reference) > 80:
        raise Invalid(_("Enter the transfer reference (at most 80 characters)."))
    slip, ntpn, pending = _check_tax_references(purchase, slip, ntpn, ntpn_pending)
    before = {"state": order.state, "payment_state": order.payment_state}
    apply_transition(order, "record_treasury_payment", actor, "admin", reference)
    _record_paid(actor, purchase, paid_on, amount, reference, slip, ntpn, pending, "transfer")
    audit.record(actor, "department.treasury_payment", purchase, before=before, after={
        "state": order.state, "payment_state": "paid", "paid_on": paid_on.isoformat(), "amount": amount,
        "reference": reference, "tax_withheld": purchase.tax_withheld, "slip": slip, "ntpn": ntpn,
        "ntpn_pending": pending})
    _tell_paid(purchase, amount)
    db.session.commit()
    return purchase


def _record_paid(actor, purchase, paid_on, amount, reference, slip, ntpn, pending, kind):
    order, now = purchase.order, clock.now()
    purchase.treasury_paid_on, purchase.treasury_amount = paid_on, amount
    purchase.treasury_reference = reference
    purchase.treasury_recorded_by_id, purchase.treasury_recorded_at = actor.id, now
    purchase.tax_slip, purchase.ntpn, purchase.ntpn_pending = slip, ntpn, pending
    order.payment_state, order.payment_kind, order.payment_amount = "paid", kind, amount
    order.payment_reference, order.paid_at = reference, now


def _tell_paid(purchase, amount):
    order = purchase.order
    params = {"number": order.number, "total": rupiah(amount)}
    notify.add(purchase.requester, "department_paid", link=path_for("procurement.purchase", order_id=order.id),
               **params)
    for member in notify.store_people(order.store_id)[0]:
        notify.add(member, "department_paid", link=path_for("sales.detail", order_id=order.id), **params)
    recipient = notify.store_email_recipient(order.store_id)
    if recipient is not None:
        queue_email(recipient.email, _l("Treasury payment for order %(number)s", number=order.number),
                    "department_paid", locale=recipient.locale, recipient=recipient, purchase=purchase,
                    order=order, link=absolute(path_for("sales.detail", order_id=order.id)))


def record_tax_payment(treasurer, order_id, ntpn: str | None):
    """The treasurer adds the NTPN of a payment recorded with it pending."""
    purchase = _treasury_purchase(treasurer, order_id)
    if purchase.treasury_recorded_at is None or not purchase.ntpn_pending:
        raise Conflict(_("Order %(number)s has no tax payment waiting for its NTPN.", number=purchase.order.number))
    _slip, ntpn, _pending = _check_tax_references(purchase, purchase.tax_slip, ntpn, False)
    audit.record(treasurer, "department.ntpn", purchase, before={"ntpn": "", "ntpn_pending": True},
                 after={"ntpn": ntpn, "ntpn_pending": False})
    purchase.ntpn, purchase.ntpn_pending = ntpn, False
    db.session.commit()
    return purchase


def pay_on_delivery(treasurer, order_id, paid_on: date | None, amount: int, slip: str | None = "",
                    ntpn: str | None = "", ntpn_pending: bool = False):
    """UP by the treasurer: at the handover of a delivered order the treasurer pays the store
    (the net payable) and records it; the handover (BAST) is confirmed with it and the
    kuitansi is issued for the store to sign. The order is then paid and completed."""
    purchase = _purchase_by_order(order_id)
    if not is_treasurer(treasurer, purchase.department_id):
        raise NotFound(_("This department order does not exist."))
    order = purchase.order
    if purchase.payment_mode != "up_treasurer":
        raise Conflict(_("Order %(number)s is paid by %(mode)s, not by the treasurer at the handover.",
                         number=order.number, mode=PAYMENT_MODE_LABELS[purchase.payment_mode]))
    if order.state != "delivered":
        if purchase.treasury_recorded_at:
            raise Conflict(_("The payment of order %(number)s has already been recorded.", number=order.number))
        raise Conflict(_("The treasurer pays at the handover, once the store has delivered; order %(number)s is "
                         "%(state)s.", number=order.number, state=ORDER_STATE_LABELS.get(order.state, order.state)))
    if not isinstance(paid_on, date):
        raise Invalid(_("Enter the date of the payment."))
    delivered_on = order.delivered_at.astimezone(LOCAL_TZ).date() if order.delivered_at else date.min
    if paid_on > clock.today() or paid_on < min(delivered_on, clock.today()):
        raise Invalid(_("The payment is dated from the delivery to today."))
    breakdown = taxes.compute_for(purchase)
    if amount != breakdown.net_payable:
        raise Invalid(_("The amount paid (%(amount)s) is not the net payable (%(due)s: %(gross)s less %(tax)s tax "
                        "withheld or collected). Nothing was recorded.", amount=rupiah(amount),
                        due=rupiah(breakdown.net_payable), gross=rupiah(breakdown.gross),
                        tax=rupiah(breakdown.withheld)))
    purchase.tax_withheld = breakdown.withheld  # what the slip check below asks about
    slip, ntpn, pending = _check_tax_references(purchase, slip, ntpn, ntpn_pending)
    before = {"state": order.state, "payment_state": order.payment_state}
    now = clock.now()
    breakdown = taxes.freeze_tax(purchase)
    apply_transition(order, "confirm_bast", treasurer, "buyer")
    apply_transition(order, "record_treasury_payment", treasurer, "admin", purchase.kuitansi_number or "")
    purchase.bast_confirmed_at, purchase.bast_confirmed_by_id = now, treasurer.id
    purchase.invoice_amount, purchase.invoice_issued_at, purchase.invoice_due_on = breakdown.gross, now, paid_on
    year = clock.local_now().year
    purchase.kuitansi_number = f"{order.id:06d}/KW/{purchase.department.code}/{year}"
    purchase.kuitansi_code = document_code("kuitansi", purchase.kuitansi_number)
    _record_paid(treasurer, purchase, paid_on, amount, purchase.kuitansi_number, slip, ntpn, pending, "cash")
    audit.record(treasurer, "department.up_payment", purchase, before=before, after={
        "state": order.state, "payment_state": "paid", "paid_on": paid_on.isoformat(), "amount": amount,
        "kuitansi": purchase.kuitansi_number, "tax_withheld": purchase.tax_withheld, "slip": slip, "ntpn": ntpn,
        "ntpn_pending": pending})
    _tell_paid(purchase, amount)
    db.session.commit()
    return purchase


# ------------------------------------------------------------------ notifications


def _admins():
    return db.session.execute(
        db.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "admin", User.active.is_(True)).order_by(User.id)
    ).scalars().all()


def _tell_requester(purchase, kind, approver, note):
    order, requester = purchase.order, purchase.requester
    link = path_for("procurement.purchase", order_id=order.id)
    params = {"number": order.number, "approver": approver.full_name if approver else "-", "reason": note or "-"}
    notify.add(requester, kind, link=link, **params)
    queue_email(requester.email, _l("Department order %(number)s: %(decision)s", number=order.number,
                                    decision=DEPARTMENT_DECISION_LABELS[purchase.decision]),
                "department_decision", locale=requester.locale, recipient=requester, purchase=purchase,
                order=order, kind=kind, params=params, link=absolute(link))


def _tell_store_approved(purchase):
    order = purchase.order
    link = path_for("sales.detail", order_id=order.id)
    for member in notify.store_people(order.store_id)[0]:
        notify.add(member, "department_order_received", link=link, number=order.number,
                   department=purchase.department.name)
    recipient = notify.store_email_recipient(order.store_id)
    if recipient is not None:
        queue_email(recipient.email, _l("New department order %(number)s", number=order.number),
                    "department_order_received", locale=recipient.locale, recipient=recipient,
                    purchase=purchase, order=order, link=absolute(link))


# ------------------------------------------------------------------ lists


def purchases_of(user):
    """The department orders ``user`` placed, newest first."""
    return db.session.execute(
        db.select(DepartmentPurchase).where(DepartmentPurchase.requester_id == user.id)
        .options(*_LOAD).order_by(DepartmentPurchase.requested_at.desc(), DepartmentPurchase.id.desc())
    ).unique().scalars().all()


def invoices_due(department_ids=None):
    """Invoices waiting for the treasury (of ``department_ids``; None: every department)."""
    query = (db.select(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
             .where(Order.state == "invoiced"))
    if department_ids is not None:
        query = query.where(DepartmentPurchase.department_id.in_(department_ids))
    return db.session.execute(
        query.options(*_LOAD).order_by(DepartmentPurchase.invoice_due_on)).unique().scalars().all()


def treasury_desk(user):
    """The treasurer's desk: per department they pay for, the invoices due and the UP
    orders to pay at the handover."""
    ids = treasurer_department_ids(user)
    if not ids:
        raise NotAllowed(_("Only a department's treasurer (bendahara pengeluaran) sees its invoices."))
    due = invoices_due(ids)
    handover = db.session.execute(
        db.select(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
        .where(DepartmentPurchase.department_id.in_(ids), DepartmentPurchase.payment_mode == "up_treasurer",
               Order.state.in_(("placed", "accepted", "ready", "delivered")))
        .options(*_LOAD).order_by(DepartmentPurchase.requested_at)
    ).unique().scalars().all()
    return due, handover


@dataclass
class SpendRow:
    department: Department
    awaiting: int = 0
    in_progress: int = 0
    owed: int = 0
    paid: int = 0
    orders: int = 0


def department_spend(user):
    """What each department has waiting, in progress, owes (invoiced) and has paid.
    Admins see every department; an approver sees theirs."""
    query = db.select(DepartmentPurchase).options(db.joinedload(DepartmentPurchase.order),
                                                  db.joinedload(DepartmentPurchase.department))
    if not user.has_role("admin"):
        ids = approver_department_ids(user)
        if not ids:
            raise NotAllowed(_("Only admins and approvers see department spending."))
        query = query.where(DepartmentPurchase.department_id.in_(ids))
    rows: dict[int, SpendRow] = {}
    for purchase in db.session.execute(query).unique().scalars():
        row = rows.setdefault(purchase.department_id, SpendRow(purchase.department))
        state = purchase.order.state
        if state == "awaiting_approval":
            row.awaiting += purchase.order.total
        elif state in ("placed", "accepted", "ready", "delivered"):
            row.in_progress += purchase.order.total
        elif state == "invoiced":
            row.owed += purchase.invoice_amount or 0
        elif state == "completed" and purchase.treasury_amount is not None:
            row.paid += purchase.treasury_amount
        else:
            continue
        row.orders += 1
    return sorted(rows.values(), key=lambda r: r.department.name)
