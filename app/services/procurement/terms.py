"""Department purchases: the terms every part shares (deadlines, budget-line shapes, document
kinds), the feature's notification texts, and the rupiah format of its messages and
documents."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.i18n import rupiah as _rupiah
from app.services import notifications as notify

APPROVAL_WORKING_DAYS = 3
INVOICE_TERM_DAYS = 30
KODE_RUP = re.compile(r"\d{6,12}")
KODE_REKENING = re.compile(r"\d{1,4}(\.\d{1,4}){2,7}")
DOCUMENT_KINDS = ("sp", "bast", "invoice", "kuitansi")
DOCUMENT_TITLES = {
    "sp": _l("Purchase order (Surat Pesanan)"),
    "bast": _l("Handover record (BAST)"),
    "invoice": _l("Invoice"),
    "kuitansi": _l("Receipt (kuitansi)"),
}

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
    """The app's one rupiah format (app/i18n.py), 0 for a missing amount."""
    return _rupiah(int(amount or 0))
