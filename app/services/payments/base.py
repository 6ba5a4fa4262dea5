"""The interface every payment method implements."""
from __future__ import annotations


class PaymentMethod:
    """One way to pay for a checkout.

    - ``initial_state``: the state new orders start in. ``placed`` when the store may
      start at once (pay on delivery); ``awaiting_payment`` (card) or
      ``awaiting_approval`` (department purchase) when something must happen first.
      Stock is taken at placing in every case, so it is held while they wait.
    - ``initial_payment_state``: ``due`` unless the method says otherwise.
    """

    code = ""
    label = ""
    description = ""
    position = 50
    initial_state = "placed"
    initial_payment_state = "due"

    def available_for(self, user, cart) -> bool:
        """Whether ``user`` may choose this method for ``cart`` (a Cart)."""
        return True

    def form_fields(self, user) -> list[dict]:
        """Extra fields this method asks for on the checkout page: dicts with ``name``,
        ``label``, ``help`` and ``kind`` (text/textarea). The form posts them as
        ``<code>-<name>``; ``read_form`` collects them into ``Details.payment_data``."""
        return []

    def read_form(self, form) -> dict:
        return {f["name"]: (form.get(f"{self.code}-{f['name']}") or "").strip()[:500]
                for f in self.form_fields(None)}

    def summary(self, data: dict) -> list:
        """(label, value) pairs of the method's data, for the review page."""
        return []

    def allows(self, order, action: str) -> bool:
        """Whether this method lets ``action`` of the orders transition table happen to
        ``order`` (e.g. a department order is completed by the treasury payment, not by
        the buyer's confirmation)."""
        return True

    def validate(self, user, orders_total: int, data: dict) -> None:
        """Check the method's own checkout data (e.g. a budget line); raise a DomainError."""

    def start(self, checkout, orders) -> str | None:
        """Called inside the placing transaction after the orders are flushed (they have
        ids and numbers). Return the URL the buyer goes to next (a payment page), or
        None for the order confirmation. Must not commit."""
        return None

    def can_record_delivery_payment(self, order) -> bool:
        """Whether the seller records the money received at delivery for this order."""
        return False

    def on_delivery_payment_recorded(self, order, actor, kind: str, amount: int, reference: str) -> None:
        """Check and apply a payment the seller received at delivery; raise a DomainError."""
        from flask_babel import gettext as _

        from app.services import Conflict

        raise Conflict(_("This order is not paid on delivery."))

    def on_transition(self, order, action: str, old: str, new: str, actor) -> None:
        """Called after every move of an order of this method (event and audit written,
        nothing committed yet): e.g. ask for documents to be generated. Must not commit."""

    def on_order_closed(self, order, actor, action: str) -> None:
        """The order was cancelled, declined, refused or expired (stock is already
        returned): e.g. refund a card payment. Must not commit."""
