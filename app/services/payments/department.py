"""Department purchase (pembelian dinas): a purchaser (PP) orders on the department's
budget line; the department's approver (PPK) approves before the stores start; the
treasury pays the store after the handover record (BAST)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import authz
from app.services.payments.base import PaymentMethod


class DepartmentPurchaseMethod(PaymentMethod):
    code = "department"
    label = _l("Department purchase")
    description = _l("Paid by your department's treasury after the approver (PPK) approves "
                     "and you confirm the handover (BAST).")
    position = 30
    initial_state = "awaiting_approval"
    initial_payment_state = "due"

    def available_for(self, user, cart) -> bool:

        return user is not None and user.is_authenticated and authz.is_purchaser(user)

    def form_fields(self, user) -> list[dict]:
        from app.labels import PAYMENT_MODE_LABELS

        return [
            {"name": "payment_mode", "label": _("How the department pays"), "kind": "select",
             "choices": [(code, str(label)) for code, label in PAYMENT_MODE_LABELS.items()],
             "help": _("UP (petty cash) is for small purchases, up to the UP cap per order; "
                       "LS is the treasury's transfer after the invoice.")},
            {"name": "kode_rup", "label": _("Kode RUP (for department purchase)"), "kind": "text",
             "maxlength": 12, "placeholder": "48123456",
             "help": _("The procurement plan entry (RUP): 6 to 12 digits.")},
            {"name": "kode_rekening", "label": _("Kode rekening belanja (for department purchase)"), "kind": "text",
             "maxlength": 60, "placeholder": "5.1.02.01.01.0024",
             "help": _("The budget account code, numbers separated by dots, e.g. 5.1.02.01.01.0024.")},
            {"name": "purpose", "label": _("Purpose (for department purchase)"), "kind": "textarea",
             "maxlength": 300, "help": _("E.g. Rapat koordinasi 12 Desember.")},
        ]

    def summary(self, data):
        data = data or {}
        from app.labels import PAYMENT_MODE_LABELS

        mode = data.get("payment_mode") or "ls"
        return [(_("How the department pays"), PAYMENT_MODE_LABELS.get(mode, mode)),
                (_("Kode RUP"), data.get("kode_rup", "")),
                (_("Kode rekening belanja"), data.get("kode_rekening", "")),
                (_("Purpose"), data.get("purpose", ""))]

    def validate(self, user, orders_total, data):
        """The buyer is a purchaser of their department, the budget line has the right
        shape, and the total is within the department's cap."""
        from app.services import procurement

        procurement.check_department_checkout(user, orders_total, data or {})

    def start(self, checkout, orders):
        from app.services import procurement

        procurement.open_purchases(checkout, orders)
        return None

    def allows(self, order, action):
        # Completed by the treasury payment after the BAST, not by the buyer or the clock.
        return action not in ("confirm_receipt", "auto_complete")

    def on_transition(self, order, action, old, new, actor):
        # Approved, delivered, handover confirmed, paid: each issues or changes a document.
        # The job runs after the commit, so it sees the purchase record as this move left it.
        if new in ("placed", "delivered", "invoiced", "completed") and old != new:
            from app.services.documents_pdf import queue_documents

            queue_documents(order.id)

    def on_order_closed(self, order, actor, action):
        from app.services import procurement

        if order.payment_state == "due":
            order.payment_state = "none"
        elif order.payment_state == "paid":
            # Paid by the department's card (KKPD), then cancelled or declined: the money goes back.
            from app.extensions import db
            from app.services import refund_requests

            db.session.flush()
            refund_requests.request_refund(order, order.total, _("Department order closed after the card payment"))
        procurement.on_order_closed(order, actor, action)


def register_department_method(register):
    register(DepartmentPurchaseMethod())
