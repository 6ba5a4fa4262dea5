"""Placing the orders of a cart.

Rules kept here (``place_orders``):
- one transaction: either every order of the cart is placed, or nothing is;
- one order per store, its items copying name, unit and price at this moment;
- stock is taken with a guarded UPDATE per variant and one per product (never below zero,
  also with concurrent checkouts on PostgreSQL); the product must still be visible to buyers and
  the quantity at least its minimum order. If any item fails, nothing is placed and the
  error names each item and why;
- the requested delivery date is not in the past and no sooner than the longest lead
  time in the cart (days, in WIB); a time window today must not have started;
- the same checkout (same idempotency key from the review page) places once: a second
  submit gets the orders of the first;
- the cart is emptied; one e-mail goes to the buyer, one to each store.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from app import clock
from app.extensions import db
from app.i18n import local_date
from app.models import (
    DELIVERY_METHODS,
    TIME_WINDOWS,
    CartItem,
    CheckoutAttempt,
    Order,
    OrderItem,
)
from app.services import Conflict, DomainError, Invalid, NotAllowed, audit, low_stock
from app.services import cart as cart_service
from app.services import notifications as notify
from app.services import payments, working_days
from app.services.order_flow import add_event, answer_deadline, take_stock


class ItemProblems(DomainError):
    """Some cart items cannot be had; ``problems`` is [(product name, why)]."""

    status = 409

    def __init__(self, problems):
        self.problems = problems
        text = "; ".join(f"{name}: {why}" for name, why in problems)
        super().__init__(_("Nothing was ordered. %(problems)s", problems=text))


@dataclass
class Details:
    """What the buyer chose on the checkout page."""

    delivery_method: str
    delivery_address: str
    requested_date: date
    time_window: str
    payment_method: str
    contact_phone: str = ""
    notes: dict = field(default_factory=dict)  # store id -> note to the store
    payment_data: dict = field(default_factory=dict)

    def to_session(self):
        return {
            "delivery_method": self.delivery_method,
            "delivery_address": self.delivery_address,
            "requested_date": self.requested_date.isoformat(),
            "time_window": self.time_window,
            "payment_method": self.payment_method,
            "contact_phone": self.contact_phone,
            "notes": {str(k): v for k, v in self.notes.items()},
            "payment_data": self.payment_data,
        }

    @classmethod
    def from_session(cls, data):
        if not data:
            return None
        try:
            return cls(
                delivery_method=data["delivery_method"],
                delivery_address=data.get("delivery_address", ""),
                requested_date=date.fromisoformat(data["requested_date"]),
                time_window=data["time_window"],
                payment_method=data["payment_method"],
                contact_phone=data.get("contact_phone", ""),
                notes={int(k): v for k, v in (data.get("notes") or {}).items()},
                payment_data=data.get("payment_data") or {},
            )
        except (KeyError, ValueError, TypeError):
            return None


@dataclass
class Result:
    checkout: CheckoutAttempt
    orders: list
    next_url: str | None
    replayed: bool = False
    checkout_id: int | None = None  # read before the commit expires ``checkout``

    def __post_init__(self):
        if self.checkout_id is None:
            self.checkout_id = self.checkout.id


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def earliest_date(max_lead_time_days: int, today: date | None = None) -> date:
    """The first date a delivery may be requested for."""
    return (today or clock.today()) + timedelta(days=max(0, max_lead_time_days or 0))


def check_details(buyer, details: Details, view) -> payments.PaymentMethod:
    """Raise Invalid with the first problem in what the buyer chose; give back the payment
    method it checked, so the caller uses that one."""
    if details.delivery_method not in DELIVERY_METHODS:
        raise Invalid(_("Choose delivery to the office or pickup at the store."))
    if details.delivery_method == "office":
        if not details.delivery_address.strip():
            raise Invalid(_("Enter the office address to deliver to."))
        if len(details.delivery_address) > 500:
            raise Invalid(_("Keep the address under 500 characters."))
    if details.time_window not in TIME_WINDOWS:
        raise Invalid(_("Choose a delivery time window."))
    today = clock.today()
    if details.requested_date < today:
        raise Invalid(_("The requested date is in the past."))
    first = earliest_date(view.max_lead_time_days, today)
    if details.requested_date < first:
        raise Invalid(ngettext(
            "The earliest date for this cart is %(date)s (the longest preparation time is %(num)d day).",
            "The earliest date for this cart is %(date)s (the longest preparation time is %(num)d days).",
            view.max_lead_time_days, date=local_date(first)))
    if details.requested_date == today:
        start_hour = TIME_WINDOWS[details.time_window][0]
        if clock.local_now().hour >= start_hour:
            raise Invalid(_("This time window has already started. Choose a later time or date."))
    if details.requested_date > today + timedelta(days=90):
        raise Invalid(_("Choose a date within the next 90 days."))
    for note in details.notes.values():
        if len(note or "") > 1000:
            raise Invalid(_("Keep each note to the store under 1000 characters."))
    method = payments.get(details.payment_method)
    if method is None or not method.available_for(buyer, view.cart):
        raise Invalid(_("Choose a payment method."))
    method.validate(buyer, view.total, details.payment_data)
    return method


def _existing(buyer, key):
    return db.session.execute(
        db.select(CheckoutAttempt).where(CheckoutAttempt.buyer_id == buyer.id,
                                         CheckoutAttempt.idempotency_key == key)
    ).scalar_one_or_none()


def _replay(attempt):
    return Result(attempt, list(attempt.orders), None, replayed=True)


def place_orders(buyer, idempotency_key, details: Details, expected_total: int | None = None) -> Result:
    """Place one order per store for the buyer's cart, in one transaction."""
    if not buyer.has_role("buyer"):
        raise NotAllowed(_("Only buyers can place orders."))
    key = (idempotency_key or "").strip()
    if not (16 <= len(key) <= 64):
        raise Invalid(_("This checkout form is not valid. Review your order again."))
    attempt = _existing(buyer, key)
    if attempt is not None:
        return _replay(attempt)

    view = cart_service.view(buyer, images=False)
    if view.is_empty:
        # A twin submit may have committed between the look-up above and now.
        attempt = _existing(buyer, key)
        if attempt is not None:
            return _replay(attempt)
        raise Conflict(_("Your cart is empty."))
    method = check_details(buyer, details, view)
    # A cart view with lines always has its cart (an absent cart gives an empty view).
    assert view.cart is not None

    # Check every line first, so the buyer hears about every problem at once.
    today = clock.today()
    problems = []
    for line in view.lines:
        product = line.product
        if not product.is_visible_on(today) or line.variant.retired:
            problems.append((line.name, _("no longer available")))
        elif line.stock <= 0:
            problems.append((line.name, _("out of stock")))
        elif line.item.quantity > line.stock:
            problems.append((line.name, _("only %(stock)s left", stock=line.stock)))
        elif line.item.quantity < product.min_order:
            problems.append((line.name, _("the minimum order is %(min)s", min=product.min_order)))
    if problems:
        raise ItemProblems(problems)

    total = view.total
    # Each store's subtotal is read now: once the stock is taken, a line that bought the last
    # units no longer counts as available, and the order would be written with a total of 0.
    subtotals = {group.store.id: group.subtotal for group in view.groups}
    if expected_total is not None and expected_total != total:
        raise Conflict(_("Prices in your cart changed since you reviewed it. "
                         "Check the new total and place the order again."))
    method.validate(buyer, total, details.payment_data)

    # Take the stock: product ids in ascending order (each product's variants first, by id),
    # so concurrent checkouts lock rows in the same order and cannot deadlock. Visibility
    # is re-checked in the same UPDATE.
    by_product: dict[int, dict[int, int]] = {}
    for line in view.lines:
        by_product.setdefault(line.product.id, {})[line.variant.id] = line.item.quantity
    names = {line.product.id: line.name for line in view.lines}
    try:
        for product_id in sorted(by_product):
            wanted = by_product[product_id]
            if not take_stock(product_id, sum(wanted.values()), wanted):
                name = names[product_id]
                db.session.rollback()
                raise ItemProblems([(name, _("out of stock"))])
        low_stock.check_after_sale([v for wanted in by_product.values() for v in wanted])
        attempt = CheckoutAttempt(buyer_id=buyer.id, idempotency_key=key, payment_method=method.code,
                                  total=total, state="placed", payment_data=details.payment_data or {})
        db.session.add(attempt)
        orders = []
        holidays = None
        year = clock.local_now().year
        for group in view.groups:
            order = Order(
                buyer_id=buyer.id, store_id=group.store.id, checkout_attempt=attempt,
                state=method.initial_state, payment_method=method.code,
                payment_state=method.initial_payment_state,
                delivery_method=details.delivery_method,
                delivery_address=details.delivery_address.strip() if details.delivery_method == "office"
                else (group.store.address or ""),
                contact_phone=(details.contact_phone or buyer.phone or "")[:30],
                requested_date=details.requested_date, time_window=details.time_window,
                note=(details.notes.get(group.store.id) or "").strip(),
                subtotal=subtotals[group.store.id], total=subtotals[group.store.id],
            )
            if method.initial_state == "placed":
                order.placed_at = clock.now()
                if holidays is None:  # one look-up for every store's order of this checkout
                    today_local = clock.local_now().date()
                    holidays = working_days.holiday_days(today_local, today_local + timedelta(days=60))
                order.answer_due_at = answer_deadline(order, holidays)
            for line in group.lines:
                product = line.product
                order.items.append(OrderItem(
                    product_id=product.id, variant_id=line.variant.id, name=product.name,
                    variant_name=line.variant.name, unit=product.unit, unit_price=line.price,
                    quantity=line.item.quantity, line_total=line.line_total,
                ))
            db.session.add(order)
            orders.append(order)
        db.session.flush()
        for order in orders:
            # Derived from the id: unique without a counter, also with concurrent checkouts.
            order.number = f"PKB-{year}-{order.id:06d}"
            add_event(order, "place", None, order.state, buyer)
            audit.record(buyer, "order.place", order, after={
                "state": order.state, "total": order.total, "payment_method": order.payment_method,
                "items": [[i.product_id, i.quantity, i.unit_price] for i in order.items]})
        db.session.execute(db.delete(CartItem).where(CartItem.cart_id == view.cart.id))
        next_url = method.start(attempt, orders)
        notify.checkout_placed(buyer, orders)
        checkout_id = attempt.id
        db.session.commit()
    except IntegrityError:
        # The same checkout submitted twice at the same moment: the other submit won.
        db.session.rollback()
        attempt = _existing(buyer, key)
        if attempt is None:
            raise
        return _replay(attempt)
    except DomainError:
        db.session.rollback()
        raise
    return Result(attempt, orders, next_url, checkout_id=checkout_id)


def orders_of_checkout(buyer, checkout_id):
    """The buyer's checkout with its orders and their stores (what the "done" page shows)."""
    attempt = db.session.execute(
        db.select(CheckoutAttempt).where(CheckoutAttempt.id == checkout_id, CheckoutAttempt.buyer_id == buyer.id)
        .options(db.selectinload(CheckoutAttempt.orders).joinedload(Order.store))
    ).scalar_one_or_none()
    return attempt
