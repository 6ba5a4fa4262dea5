"""Payment methods behind one interface.

The checkout asks the registry which methods a buyer may use, lets the chosen method
decide the state the new orders start in (``initial_state``), and hands the placed
orders to ``start``. A new method (card, department purchase) is one subclass
registered with ``register``; the checkout code does not change.
"""
from __future__ import annotations

from app.services.payments.base import PaymentMethod

from app.services.payment_registry import all_methods, available_for, get, label_for, register

from app.services.payments.cod import PayOnDelivery  # noqa: E402

register(PayOnDelivery())
from app.services.payments.department import register_department_method  # noqa: E402,I001

register_department_method(register)
from app.services.payments.card import card_method  # noqa: E402,I001

register(card_method)

__all__ = ["PaymentMethod", "register", "get", "all_methods", "available_for", "label_for"]
