"""The one place the app talks to Stripe (or to the local stand-in).

- A fresh ``stripe.StripeClient`` per call, built from the app's config: no global
  ``stripe.api_key``/``api_base``, so tests and apps never leak settings to each other.
- Amounts cross this boundary only here: the app speaks whole rupiah, Stripe treats IDR
  as two-decimal (Rp 25.000 is ``2500000``). ``to_stripe``/``from_stripe`` convert.
- Objects Stripe returns are read with ``field()``, which works for StripeObjects and
  plain dicts alike.
- The ``stripe`` package is imported on the first call that needs it, not when the app
  starts: with what it pulls in (``requests``, ``aiohttp`` where installed) it is about
  15 MB of every web worker, and most requests never pay by card. ``StripeError`` and the
  other exception classes below are looked up the same way (module ``__getattr__``).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    import stripe
    from stripe.params import PaymentIntentCreateParams, RefundCreateParams

    StripeError = stripe.StripeError
    CardError = stripe.CardError
    InvalidRequestError = stripe.InvalidRequestError
    SignatureVerificationError = stripe.SignatureVerificationError

#: Stripe's exception classes, looked up in the package when first asked for.
_ERRORS = frozenset({"StripeError", "CardError", "InvalidRequestError", "SignatureVerificationError"})


def _stripe():
    return importlib.import_module("stripe")


def __getattr__(name):
    if name == "stripe":
        return _stripe()
    if name in _ERRORS:
        return getattr(_stripe(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


STRIPE_API_BASE = "https://api.stripe.com"
CURRENCY = "idr"


def enabled(app=None) -> bool:
    """Card payments are offered only when a secret key is configured."""
    app = app or current_app
    return bool(app.config.get("STRIPE_SECRET_KEY"))


def uses_stand_in(app=None) -> bool:
    """True when the API base is not Stripe's (the local stand-in in tests and demos)."""
    app = app or current_app
    base = (app.config.get("STRIPE_API_BASE") or "").rstrip("/")
    return bool(base) and base != STRIPE_API_BASE


def uses_payment_element(app=None) -> bool:
    """Stripe.js Payment Element: a publishable key and Stripe's own API."""
    app = app or current_app
    return bool(app.config.get("STRIPE_PUBLISHABLE_KEY")) and not uses_stand_in(app)


def client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    return _stripe().StripeClient(config["STRIPE_SECRET_KEY"], max_network_retries=2,
                                  base_addresses={"api": base.rstrip("/")} if base else None)


def to_stripe(rupiah: int) -> int:
    return int(rupiah) * 100


def from_stripe(amount) -> int:
    # Stripe IDR amounts are whole rupiah × 100; anything finer does not exist for IDR.
    return int(amount or 0) // 100


def field(obj, name, default=None):
    if obj is None:
        return default
    try:
        value = obj[name]
    except (KeyError, TypeError, AttributeError):
        value = getattr(obj, name, default)
    return default if value is None else value


def object_id(value):
    """The id of an expanded object or the id string itself."""
    if value is None or isinstance(value, str):
        return value
    return field(value, "id")


# ------------------------------------------------------------------ calls


def create_payment_intent(*, amount: int, metadata: dict, idempotency_key: str, description: str = ""):
    """One PaymentIntent in IDR for a checkout; ``amount`` in whole rupiah."""
    params: PaymentIntentCreateParams = {
        "amount": to_stripe(amount),
        "currency": CURRENCY,
        # The name localstripe knows; stripe 16's types list only allowed_payment_method_types.
        "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
        "metadata": {k: str(v) for k, v in metadata.items()},
    }
    if description:
        params["description"] = description
    return client().v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})


def retrieve_payment_intent(intent_id: str):
    return client().v1.payment_intents.retrieve(intent_id)


def update_payment_intent_amount(intent_id: str, amount: int):
    return client().v1.payment_intents.update(intent_id, params={"amount": to_stripe(amount)})


def cancel_payment_intent(intent_id: str, idempotency_key: str):
    return client().v1.payment_intents.cancel(intent_id, options={"idempotency_key": idempotency_key})


def confirm_with_test_card(intent_id: str, number: str, exp_month: int, exp_year: int, cvc: str, email: str = ""):
    """Stand-in only: confirm server-side with raw test-card data (Stripe itself never
    accepts raw card numbers from a server like ours; the Payment Element does that).
    Raises ``CardError`` when the card is declined."""
    api = client().v1
    customer = api.customers.create(params={"email": email} if email else {})
    method = api.payment_methods.create(params={
        "type": "card",
        "card": {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc},
    })
    api.payment_methods.attach(method.id, params={"customer": customer.id})
    api.payment_intents.update(intent_id, params={"payment_method": method.id, "customer": customer.id})
    return api.payment_intents.confirm(intent_id)


def create_refund(*, intent_id: str, amount: int, metadata: dict, idempotency_key: str):
    """A refund of ``amount`` whole rupiah of the PaymentIntent's charge."""
    params: RefundCreateParams = {
        "payment_intent": intent_id,
        "amount": to_stripe(amount),
        "metadata": {k: str(v) for k, v in metadata.items()},
    }
    return client().v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})


def list_refunds(intent_id: str):
    return list(client().v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}).data)


def retrieve_refund(refund_id: str):
    return client().v1.refunds.retrieve(refund_id)


def retrieve_charge(charge_id: str):
    return client().v1.charges.retrieve(charge_id)


def construct_event(payload: bytes, signature: str | None, secret: str):
    """Verify the signature (and its timestamp, 5 minutes) and parse the event; raises
    ``ValueError`` or ``stripe.SignatureVerificationError``."""
    return _stripe().Webhook.construct_event(payload, signature, secret)

