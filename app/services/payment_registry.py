"""The registry of payment methods: which methods exist and how to find one by its code.

Apart from the methods themselves (app.services.payments imports and registers them), so
that the order's state machine can ask a method's rules without importing its code.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the payments package would import the methods, which import this
    from app.services.payments.base import PaymentMethod

_REGISTRY: dict[str, PaymentMethod] = {}


def register(method: PaymentMethod) -> PaymentMethod:
    """Add (or replace) a method by its code."""
    _REGISTRY[method.code] = method
    return method


def get(code: str) -> PaymentMethod | None:
    return _REGISTRY.get(code)


def all_methods() -> list[PaymentMethod]:
    return sorted(_REGISTRY.values(), key=lambda m: m.position)


def available_for(user, cart) -> list[PaymentMethod]:
    """The methods ``user`` may choose for ``cart``, in display order."""
    return [m for m in all_methods() if m.available_for(user, cart)]


def label_for(code: str):
    method = get(code)
    return method.label if method else code
