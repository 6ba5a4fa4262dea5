"""The documents of a department order (Surat Pesanan, BAST, invoice): numbers, dates, who may
download them, and the short verification code a public page checks."""
from __future__ import annotations

import hmac
import re

from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    DepartmentPurchase,
)
from app.services import NotFound
from app.services.procurement.purchases import _LOAD, document_code, get_purchase_for
from app.services.procurement.terms import DOCUMENT_KINDS, DOCUMENT_TITLES


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
    if kind == "kuitansi":
        # Only for a UP payment by the treasurer, once it is recorded.
        return purchase.kuitansi_number is not None and purchase.treasury_recorded_at is not None
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
            "invoice": purchase.invoice_issued_at, "kuitansi": purchase.treasury_recorded_at}[kind]


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
                    "total": {"invoice": purchase.invoice_amount,
                              "kuitansi": purchase.treasury_amount}.get(kind, purchase.order.total),
                    "approver": purchase.approver.full_name if purchase.approver else "",
                    "purchaser": purchase.requester.full_name}
    return None
