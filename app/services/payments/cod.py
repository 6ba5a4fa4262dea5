"""Pay on delivery (bayar di tempat): the seller records the cash or transfer received."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import rupiah
from app.models import COD_PAYMENT_KINDS
from app.orm import utcnow
from app.services import Conflict, Invalid
from app.services.acceptance import amount_due_on_delivery
from app.services.payments.base import PaymentMethod


class PayOnDelivery(PaymentMethod):
    code = "cod"
    label = _l("Pay on delivery")
    description = _l("Pay the store in cash or by transfer when you receive the order.")
    position = 10
    initial_state = "placed"
    initial_payment_state = "due"

    def can_record_delivery_payment(self, order) -> bool:
        return order.payment_state == "due" and order.state in ("ready", "delivered", "completed")

    def on_delivery_payment_recorded(self, order, actor, kind, amount, reference):
        """The amount received must equal the order's total, once."""
        if order.payment_state != "due":
            raise Conflict(_("The payment for this order has already been recorded."))
        if order.state not in ("ready", "delivered", "completed"):
            raise Conflict(_("The payment can be recorded once the order is ready or delivered."))
        if kind not in COD_PAYMENT_KINDS:
            raise Invalid(_("Choose cash or transfer."))
        due = amount_due_on_delivery(order)  # less a refunded problem report's rejected part
        if amount != due:
            raise Invalid(_("The amount received must equal the order total (%(total)s).",
                            total=rupiah(due)))
        order.payment_kind = kind
        order.payment_amount = amount
        order.payment_reference = (reference or "").strip()[:80]
        order.payment_state = "paid"
        order.paid_at = utcnow()

    def on_order_closed(self, order, actor, action):
        # Nothing was paid before delivery, so nothing is owed back.
        if order.payment_state == "due":
            order.payment_state = "none"
