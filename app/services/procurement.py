"""Department purchases: roles, approval, documents and the treasury payment.

Rules kept here:
- only a department's purchaser (PP) may check out with "department purchase"; the
  budget line has the right shape (kode RUP: 6–12 digits; kode rekening: dotted numeric
  segments) and the checkout total is within the department's cap per order;
- the orders wait as ``awaiting_approval`` (stock held). Only an approver (PPK) of the
  buyer's department sees them (anyone else: 404); nobody approves an order they placed
  (403); a decided, cancelled or expired order cannot be decided again (409);
- an order not approved within 3 working days (Monday–Friday, minus PublicHoliday,
  counted in Asia/Pontianak) is cancelled by ``cancel_stale_department_orders``; refusing
  or expiring returns the stock (through the orders transition table);
- the documents: Surat Pesanan on approval, BAST on delivery (the purchaser confirms it:
  the order is ``invoiced``), the invoice after the BAST. Each is downloadable only by the
  parties (purchaser, the department's approvers, the store's members, admins) and
  carries a short HMAC-derived verification code checked by a public page;
- an admin records the treasury payment, which must equal the invoice amount: the order
  is paid and completed;
- every step writes an audit entry and commits once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.authz import approver_department_ids, is_approver, is_purchase_party, is_purchaser
from app.urls import absolute, path_for
from app.labels import DEPARTMENT_DECISION_LABELS, DEPARTMENT_ROLE_LABELS, ORDER_STATE_LABELS
from app import clock
from app.clock import LOCAL_TZ
from app.extensions import db
from app.models import (
    DEFAULT_ORDER_CAP,
    Department,
    DepartmentPurchase,
    DepartmentRole,
    Order,
    PublicHoliday,
    User,
    UserRole,
)
from app.parsing import RUPIAH_MAX
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import notifications as notify
from app.services.mail import queue_email

APPROVAL_WORKING_DAYS = 3
INVOICE_TERM_DAYS = 30
KODE_RUP = re.compile(r"\d{6,12}")
KODE_REKENING = re.compile(r"\d{1,4}(\.\d{1,4}){2,7}")
DOCUMENT_KINDS = ("sp", "bast", "invoice")
DOCUMENT_TITLES = {
    "sp": _l("Purchase order (Surat Pesanan)"),
    "bast": _l("Handover record (BAST)"),
    "invoice": _l("Invoice"),
}

# Indonesian national holidays and collective leave (cuti bersama), approximate.
NATIONAL_HOLIDAYS = [
    ("2026-01-01", "Tahun Baru 2026 Masehi"),
    ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW"),
    ("2026-03-19", "Hari Suci Nyepi (Tahun Baru Saka 1948)"),
    ("2026-03-20", "Hari Raya Idul Fitri 1447 H"),
    ("2026-03-21", "Hari Raya Idul Fitri 1447 H"),
    ("2026-03-18", "Cuti bersama Idul Fitri"),
    ("2026-03-23", "Cuti bersama Idul Fitri"),
    ("2026-03-24", "Cuti bersama Idul Fitri"),
    ("2026-04-03", "Wafat Isa Almasih"),
    ("2026-05-01", "Hari Buruh Internasional"),
    ("2026-05-14", "Kenaikan Isa Almasih"),
    ("2026-05-27", "Hari Raya Idul Adha 1447 H"),
    ("2026-05-31", "Hari Raya Waisak 2570 BE"),
    ("2026-06-01", "Hari Lahir Pancasila"),
    ("2026-06-16", "Tahun Baru Islam 1448 H"),
    ("2026-08-17", "Hari Kemerdekaan Republik Indonesia"),
    ("2026-08-25", "Maulid Nabi Muhammad SAW"),
    ("2026-12-24", "Cuti bersama Hari Raya Natal"),
    ("2026-12-25", "Hari Raya Natal"),
    ("2027-01-01", "Tahun Baru 2027 Masehi"),
    ("2027-01-05", "Isra Mikraj Nabi Muhammad SAW"),
    ("2027-03-08", "Hari Suci Nyepi (Tahun Baru Saka 1949)"),
    ("2027-03-10", "Hari Raya Idul Fitri 1448 H"),
    ("2027-03-11", "Hari Raya Idul Fitri 1448 H"),
    ("2027-03-12", "Cuti bersama Idul Fitri"),
    ("2027-03-15", "Cuti bersama Idul Fitri"),
    ("2027-03-26", "Wafat Isa Almasih"),
    ("2027-05-01", "Hari Buruh Internasional"),
    ("2027-05-06", "Kenaikan Isa Almasih"),
    ("2027-05-17", "Hari Raya Idul Adha 1448 H"),
    ("2027-05-20", "Hari Raya Waisak 2571 BE"),
    ("2027-06-01", "Hari Lahir Pancasila"),
    ("2027-06-06", "Tahun Baru Islam 1449 H"),
    ("2027-08-15", "Maulid Nabi Muhammad SAW"),
    ("2027-08-17", "Hari Kemerdekaan Republik Indonesia"),
    ("2027-12-24", "Cuti bersama Hari Raya Natal"),
    ("2027-12-25", "Hari Raya Natal"),
]

# In-app notification texts of this feature (the notification list translates them).
notify.KIND_TEXTS.update({
    "department_request": _l("%(requester)s asks for approval of department order %(number)s (%(total)s)."),
    "department_approved": _l("Department order %(number)s was approved by %(approver)s."),
    "department_refused": _l("Department order %(number)s was refused by %(approver)s: %(reason)s"),
    "department_expired": _l("Department order %(number)s was cancelled: not approved within 3 working days."),
    "department_order_received": _l("New approved department order %(number)s from %(department)s."),
    "department_invoice_due": _l("Invoice %(invoice)s of %(department)s for order %(number)s is due (%(total)s)."),
    "department_paid": _l("The treasury paid order %(number)s (%(total)s)."),
})


def rupiah(amount) -> str:
    return "Rp " + f"{int(amount or 0):,}".replace(",", ".")


# ------------------------------------------------------------------ roles


def roles_of(user, role=None):
    query = db.select(DepartmentRole).where(DepartmentRole.user_id == user.id)
    if role:
        query = query.where(DepartmentRole.role == role)
    return db.session.execute(query).scalars().all()


def people_with_role(department_id, role):
    return db.session.execute(
        db.select(User).join(DepartmentRole, DepartmentRole.user_id == User.id)
        .where(DepartmentRole.department_id == department_id, DepartmentRole.role == role, User.active.is_(True))
        .order_by(User.full_name)
    ).scalars().all()


def department_roles(department_id):
    return db.session.execute(
        db.select(DepartmentRole).where(DepartmentRole.department_id == department_id)
        .options(db.joinedload(DepartmentRole.user), db.joinedload(DepartmentRole.granted_by))
        .order_by(DepartmentRole.role, DepartmentRole.id)
    ).scalars().all()


def get_department(department_id) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound(_("This department does not exist."))
    return department


def _can_manage_roles(actor, department, role):
    if actor.has_role("admin"):
        return True
    # A department's approver may name purchasers among their colleagues.
    return role == "purchaser" and is_approver(actor, department.id)


def grant_department_role(actor, department_id, email, role):
    """An admin names a purchaser or approver of a department; an approver of the
    department may name purchasers. The person must belong to the department."""
    department = get_department(department_id)
    if role not in DEPARTMENT_ROLE_LABELS:
        raise Invalid(_("Choose purchaser or approver."))
    if not _can_manage_roles(actor, department, role):
        if actor.has_role("admin") or is_approver(actor, department.id):
            raise NotAllowed(_("Only the programme admin can name approvers."))
        raise NotFound(_("This department does not exist."))
    email = (email or "").strip().lower()
    user = db.session.execute(db.select(User).where(db.func.lower(User.email) == email)).scalar_one_or_none()
    if user is None or not user.active:
        raise Invalid(_("No active account has the e-mail %(email)s.", email=email or "-"))
    if user.department_id != department.id:
        raise Invalid(_("%(name)s does not belong to %(department)s: they pick their department in their account.",
                        name=user.full_name, department=department.name))
    if not user.has_role("buyer"):
        raise Invalid(_("%(name)s is not a civil servant buyer.", name=user.full_name))
    exists = db.session.execute(
        db.select(DepartmentRole).where(DepartmentRole.user_id == user.id,
                                        DepartmentRole.department_id == department.id,
                                        DepartmentRole.role == role)
    ).scalar_one_or_none()
    if exists is not None:
        raise Conflict(_("%(name)s is already %(role)s.", name=user.full_name, role=DEPARTMENT_ROLE_LABELS[role]))
    row = DepartmentRole(user_id=user.id, department_id=department.id, role=role, granted_by_id=actor.id,
                         granted_at=clock.now())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "department.role_grant", row, before=None,
                 after={"user_id": user.id, "department_id": department.id, "role": role})
    db.session.commit()
    return row


def revoke_department_role(actor, role_id):
    row = db.session.get(DepartmentRole, role_id)
    if row is None:
        raise NotFound(_("This role does not exist."))
    department = row.department
    if not _can_manage_roles(actor, department, row.role):
        raise NotFound(_("This role does not exist."))
    before = {"user_id": row.user_id, "department_id": row.department_id, "role": row.role}
    audit.record(actor, "department.role_revoke", row, before=before, after=None)
    db.session.delete(row)
    db.session.commit()
    return before


# ------------------------------------------------------------------ departments and holidays


def save_department(actor, department_id, name, code, address, order_cap: int | None):
    """Create (department_id None) or change a department. Admin only."""
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only the programme admin manages departments."))
    name, code, address = (name or "").strip(), (code or "").strip().upper(), (address or "").strip()
    if not name or len(name) > 200:
        raise Invalid(_("Enter the department's name (at most 200 characters)."))
    if not re.fullmatch(r"[A-Z0-9_-]{2,40}", code):
        raise Invalid(_("The code is 2 to 40 letters, digits, - or _ (e.g. DISKOMINFO)."))
    if len(address) > 500:
        raise Invalid(_("Keep the address under 500 characters."))
    cap = DEFAULT_ORDER_CAP if order_cap is None else order_cap
    if not 0 < cap <= RUPIAH_MAX:
        raise Invalid(_("The cap per order must be more than Rp 0 and at most %(cap)s.", cap=rupiah(RUPIAH_MAX)))
    department = get_department(department_id) if department_id else None
    clash = db.session.execute(
        db.select(Department).where(db.or_(Department.code == code, Department.name == name))
    ).scalars().all()
    if any(d is not department for d in clash):
        raise Conflict(_("Another department already has this name or code."))
    before = None
    if department is None:
        department = Department()
        db.session.add(department)
    else:
        before = {"name": department.name, "code": department.code, "address": department.address,
                  "order_cap": department.order_cap}
    department.name, department.code, department.address, department.order_cap = name, code, address, cap
    db.session.flush()
    audit.record(actor, "department.save", department, before=before,
                 after={"name": name, "code": code, "address": address, "order_cap": cap})
    db.session.commit()
    return department


def holidays():
    return db.session.execute(db.select(PublicHoliday).order_by(PublicHoliday.day)).scalars().all()


def add_holiday(actor, day: date, name: str):
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only the programme admin manages holidays."))
    name = (name or "").strip()
    if not isinstance(day, date):
        raise Invalid(_("Enter the holiday's date."))
    if not name or len(name) > 120:
        raise Invalid(_("Enter the holiday's name (at most 120 characters)."))
    if db.session.execute(db.select(PublicHoliday).where(PublicHoliday.day == day)).scalar_one_or_none():
        raise Conflict(_("%(date)s is already a holiday.", date=day.strftime("%d-%m-%Y")))
    row = PublicHoliday(day=day, name=name)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "holiday.add", row, after={"day": day.isoformat(), "name": name})
    db.session.commit()
    return row


def delete_holiday(actor, holiday_id):
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only the programme admin manages holidays."))
    row = db.session.get(PublicHoliday, holiday_id)
    if row is None:
        raise NotFound(_("This holiday does not exist."))
    audit.record(actor, "holiday.delete", row, before={"day": row.day.isoformat(), "name": row.name})
    db.session.delete(row)
    db.session.commit()


def seed_national_holidays() -> int:
    """Add the national holidays of 2026–2027 that are missing. Idempotent; no commit."""
    have = set(db.session.execute(db.select(PublicHoliday.day)).scalars())
    added = 0
    for iso, name in NATIONAL_HOLIDAYS:
        day = date.fromisoformat(iso)
        if day not in have:
            db.session.add(PublicHoliday(day=day, name=name))
            have.add(day)
            added += 1
    return added


def _holiday_set(start: date, end: date) -> set[date]:
    return set(db.session.execute(
        db.select(PublicHoliday.day).where(PublicHoliday.day >= start, PublicHoliday.day <= end)
    ).scalars())


def is_working_day(day: date, holiday_days=None) -> bool:
    holiday_days = _holiday_set(day, day) if holiday_days is None else holiday_days
    return day.weekday() < 5 and day not in holiday_days


def approval_deadline(requested_at: datetime) -> datetime:
    """The moment (UTC) an unapproved order expires: the end of the 3rd working day
    after the day it was placed, in Pontianak time."""
    start = requested_at.astimezone(LOCAL_TZ).date()
    holiday_days = _holiday_set(start, start + timedelta(days=60))
    day, counted = start, 0
    while counted < APPROVAL_WORKING_DAYS:
        day += timedelta(days=1)
        if is_working_day(day, holiday_days):
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ).astimezone(clock.now().tzinfo)


# ------------------------------------------------------------------ checkout


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
        )
        db.session.add(purchase)
        purchases.append(purchase)
    db.session.flush()
    for purchase in purchases:
        audit.record(buyer, "department.request", purchase, before=None, after={
            "order": purchase.order.number, "total": purchase.order.total, "kode_rup": purchase.kode_rup,
            "kode_rekening": purchase.kode_rekening, "purpose": purchase.purpose})
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
    db.joinedload(DepartmentPurchase.order).selectinload(Order.items),
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
    from app.services.orders import apply_transition

    purchase, order, note = _decide(approver, order_id, note)
    before = {"state": order.state, "decision": purchase.decision}
    apply_transition(order, "approve", approver, "approver", note)
    purchase.decision, purchase.approver_id, purchase.decided_at = "approved", approver.id, clock.now()
    purchase.decision_note = note
    _issue_numbers(purchase)
    audit.record(approver, "department.approve", purchase, before=before,
                 after={"state": order.state, "decision": "approved", "sp_number": purchase.sp_number},
                 note=note)
    _tell_requester(purchase, "department_approved", approver, note)
    _tell_store_approved(purchase)
    db.session.commit()
    return purchase


def refuse_order(approver, order_id, note):
    """The approver refuses, with a reason; the stock comes back."""
    from app.services.orders import apply_transition

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
    from app.services.orders import apply_transition

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


def confirm_bast(purchaser, order_id):
    """The purchaser confirms the handover record of a delivered order: it is invoiced
    (the store's invoice to the department is issued) and the admins hear it is due."""
    from app.services.orders import apply_transition

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
    before = {"state": order.state, "bast_confirmed_at": None}
    apply_transition(order, "confirm_bast", purchaser, "buyer")
    now = clock.now()
    purchase.bast_confirmed_at, purchase.bast_confirmed_by_id = now, purchaser.id
    purchase.invoice_amount, purchase.invoice_issued_at = order.total, now
    purchase.invoice_due_on = clock.today() + timedelta(days=INVOICE_TERM_DAYS)
    audit.record(purchaser, "department.confirm_bast", purchase, before=before, after={
        "state": order.state, "bast_number": purchase.bast_number, "invoice_number": purchase.invoice_number,
        "invoice_amount": purchase.invoice_amount})
    link = path_for("procurement.spend")
    for admin in _admins():
        notify.add(admin, "department_invoice_due", link=link, invoice=purchase.invoice_number,
                   department=purchase.department.name, number=order.number, total=rupiah(order.total))
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


def record_treasury_payment(admin, order_id, paid_on: date, amount: int, reference: str):
    """An admin records the treasury's transfer to the store. It must equal the invoice
    amount and be dated between the handover and today; the order is then paid and completed."""
    from app.services.orders import apply_transition

    if not admin.has_role("admin"):
        raise NotFound(_("This department order does not exist."))
    purchase = _purchase_by_order(order_id)
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
    if amount != purchase.invoice_amount:
        raise Invalid(_("The amount paid (%(amount)s) does not match the invoice amount (%(invoice)s). "
                        "Check the transfer; nothing was recorded.",
                        amount=rupiah(amount), invoice=rupiah(purchase.invoice_amount)))
    reference = (reference or "").strip()
    if not reference or len(reference) > 80:
        raise Invalid(_("Enter the transfer reference (at most 80 characters)."))
    before = {"state": order.state, "payment_state": order.payment_state}
    apply_transition(order, "record_treasury_payment", admin, "admin", reference)
    now = clock.now()
    purchase.treasury_paid_on, purchase.treasury_amount = paid_on, amount
    purchase.treasury_reference = reference
    purchase.treasury_recorded_by_id, purchase.treasury_recorded_at = admin.id, now
    order.payment_state, order.payment_kind, order.payment_amount = "paid", "transfer", amount
    order.payment_reference, order.paid_at = reference, now
    audit.record(admin, "department.treasury_payment", purchase, before=before, after={
        "state": order.state, "payment_state": "paid", "paid_on": paid_on.isoformat(), "amount": amount,
        "reference": reference})
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


def invoices_due():
    return db.session.execute(
        db.select(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
        .where(Order.state == "invoiced").options(*_LOAD).order_by(DepartmentPurchase.invoice_due_on)
    ).unique().scalars().all()


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
    rows = {}
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


# ------------------------------------------------------------------ documents


def document_available(purchase, kind) -> bool:
    order = purchase.order
    if purchase.decision != "approved":
        return False
    if kind == "sp":
        return True
    if kind == "bast":
        return order.state in ("delivered", "invoiced", "completed") and order.delivered_at is not None
    if kind == "invoice":
        return purchase.bast_confirmed_at is not None
    return False


def get_document(user, order_id, kind):
    """(purchase, kind) for a party of the order once the document exists; else 404."""
    if kind not in DOCUMENT_KINDS:
        raise NotFound(_("This document does not exist."))
    purchase = get_purchase_for(user, order_id)
    if not document_available(purchase, kind):
        raise NotFound(_("This document does not exist yet."))
    return purchase


def document_number(purchase, kind):
    return getattr(purchase, f"{kind}_number")


def document_date(purchase, kind):
    return {"sp": purchase.decided_at, "bast": purchase.order.delivered_at,
            "invoice": purchase.invoice_issued_at}[kind]


def verify(code):
    """The public facts of the document with verification ``code``, or None."""
    code = re.sub(r"[^A-Z2-7]", "", (code or "").upper())
    if len(code) != 10:
        return None
    for kind in DOCUMENT_KINDS:
        column = getattr(DepartmentPurchase, f"{kind}_code")
        purchase = db.session.execute(
            db.select(DepartmentPurchase).where(column == code).options(*_LOAD)
        ).unique().scalar_one_or_none()
        if purchase is not None and document_available(purchase, kind):
            # Re-derive: a code copied into the table by hand does not verify.
            if not hmac.compare_digest(document_code(kind, document_number(purchase, kind)), code):
                return None
            return {"kind": kind, "title": DOCUMENT_TITLES[kind], "number": document_number(purchase, kind),
                    "date": document_date(purchase, kind), "purchase": purchase,
                    "department": purchase.department.name, "store": purchase.order.store.name,
                    "order_number": purchase.order.number,
                    "total": purchase.invoice_amount if kind == "invoice" else purchase.order.total,
                    "approver": purchase.approver.full_name if purchase.approver else "",
                    "purchaser": purchase.requester.full_name}
    return None
