"""Carts, checkout attempts, orders (one per store), their items, events and messages,
in-app notifications and product reviews.

Money is whole rupiah (Integer). Every datetime is UTCDateTime.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import Model
from app.models.states import FINAL_STATES, ORDER_STATES, OrderState, in_clause  # noqa: F401
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    # Names of the other aggregates, for the relationships' annotations; at run time
    # SQLAlchemy resolves them by name, and importing them here would be circular.
    from app.models.product import Product, ProductVariant
    from app.models.store import Store
    from app.models.user import User

# COD orders start at ``placed``; card orders at ``awaiting_payment`` and department orders at
# ``awaiting_approval``, both with stock already held (see app.models.states).
# due: to be paid (on delivery, or waiting for the card); paid; refunded; none: nothing owed.
PAYMENT_STATES = ("due", "paid", "refunded", "partially_refunded", "none")
DELIVERY_METHODS = ("office", "pickup")
# Requested delivery time windows, local time (WIB): code -> (start hour, end hour).
TIME_WINDOWS = {
    "08-10": (8, 10),
    "10-12": (10, 12),
    "12-14": (12, 14),
    "14-16": (14, 16),
}
COD_PAYMENT_KINDS = ("cash", "transfer")


class Cart(Model):
    """One persistent cart per buyer, kept across log-ins and devices."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship()
    items: Mapped[list["CartItem"]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartItem.id"
    )


class CartItem(Model):
    """A line in the cart. ``price_seen``/``available_seen`` are what the buyer saw when
    they added or last changed it, so the cart can say when the price or availability
    changed since."""

    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    price_seen: Mapped[int] = mapped_column(Integer)
    available_seen: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="items")
    product: Mapped["Product"] = relationship()
    variant: Mapped["ProductVariant"] = relationship()


@event.listens_for(Session, "before_flush")
def _default_variant_of_cart_lines(session, _context, _instances):
    """A cart line added without its variant (code written before variants) is of its
    product's default variant; a product with options has none, and the insert fails."""
    from app.models.product import ProductVariant

    for obj in session.new:
        if isinstance(obj, CartItem) and obj.variant_id is None and obj.variant is None and obj.product_id:
            with session.no_autoflush:
                obj.variant_id = session.execute(
                    select(ProductVariant.id).where(ProductVariant.product_id == obj.product_id,
                                                    ProductVariant.option_key == "",
                                                    ProductVariant.retired.is_(False))).scalar()


class CheckoutAttempt(Model):
    """One submitted checkout. The idempotency key comes from the review page's hidden
    field; the unique (buyer, key) pair makes a double submit place the orders once."""

    __tablename__ = "checkout_attempts"
    __table_args__ = (UniqueConstraint("buyer_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="placed")
    payment_method: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(Integer, default=0)
    # Data a payment method keeps for the whole checkout (e.g. a PaymentIntent id).
    payment_data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    buyer: Mapped["User"] = relationship()
    orders: Mapped[list["Order"]] = relationship(back_populates="checkout_attempt", order_by="Order.id")


class Order(Model):
    """One store's part of a checkout."""

    __tablename__ = "orders"
    __table_args__ = (
        # The seller's incoming list and the buyer's list, by state, newest first.
        Index("ix_orders_store_state", "store_id", "state"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at"),
        # Auto-complete looks up delivered orders by delivery time.
        Index("ix_orders_state_delivered", "state", "delivered_at"),
        # Dashboards: covering index, so period aggregates read the index alone.
        Index("ix_orders_created_sales", "created_at", "state", "payment_method", "store_id", "total",
              "buyer_id", "checkout_attempt_id"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint(in_clause("state", ORDER_STATES), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # PKB-<year>-<6 digits>, derived from the id after flush (unique, concurrency-safe).
    number: Mapped[Optional[str]] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    checkout_attempt_id: Mapped[Optional[int]] = mapped_column(ForeignKey("checkout_attempts.id"), index=True)
    state: Mapped[str] = mapped_column(String(24), default=OrderState.PLACED.value)
    payment_method: Mapped[str] = mapped_column(String(20))
    payment_state: Mapped[str] = mapped_column(String(20), default="due")
    delivery_method: Mapped[str] = mapped_column(String(10))
    delivery_address: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    requested_date: Mapped[date] = mapped_column(Date)
    time_window: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    # Payment received at delivery (pay on delivery): cash or transfer, amount, reference.
    payment_kind: Mapped[str] = mapped_column(String(20), default="")
    payment_amount: Mapped[Optional[int]] = mapped_column(Integer)
    payment_reference: Mapped[str] = mapped_column(String(80), default="")
    paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    placed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ready_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    declined_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The store must accept or decline a placed order by then (app.services.order_answer).
    answer_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answer_reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    buyer: Mapped["User"] = relationship()
    store: Mapped["Store"] = relationship()
    checkout_attempt: Mapped[Optional[CheckoutAttempt]] = relationship(back_populates="orders")
    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )
    messages: Mapped[list["OrderMessage"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderMessage.id"
    )

    @property
    def is_final(self):
        return self.state in FINAL_STATES

    def __repr__(self):
        return f"<Order {self.number} {self.state}>"


class OrderItem(Model):
    """A product as it was bought: name, unit and price are copied at placing."""

    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # Dashboards (top products): covering index over the columns they sum.
        Index("ix_order_items_order_sales", "order_id", "product_id", "quantity", "line_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[Optional[int]] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    variant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("product_variants.id", ondelete="SET NULL"),
                                                      index=True)
    name: Mapped[str] = mapped_column(String(140))
    # The variant's name when bought (``M / Merah``); "" for a product without options.
    variant_name: Mapped[str] = mapped_column(String(255), default="")
    unit: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(Integer)
    # What the buyer accepted at delivery; None: all of it (app.services.acceptance reads it).
    accepted_quantity: Mapped[Optional[int]] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Optional["Product"]] = relationship()
    variant: Mapped[Optional["ProductVariant"]] = relationship()

    @property
    def full_name(self) -> str:
        """The product's name with the variant's, as receipts, PDFs and exports show it."""
        return f"{self.name} ({self.variant_name})" if self.variant_name else self.name


class OrderEvent(Model):
    """The order's timeline: every transition (and payment record), who and when."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[Optional[str]] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[Optional["User"]] = relationship()


class OrderMessage(Model):
    """A short message between the buyer and the store about one order."""

    __tablename__ = "order_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    side: Mapped[str] = mapped_column(String(10))  # buyer or store
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="messages")
    author: Mapped["User"] = relationship()


class Notification(Model):
    """An in-app notification; the text is ``kind`` translated at display with ``params``."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()


class ProductReview(Model):
    """A buyer's rating of a product they received, once per buyer and product; the
    store may reply once."""

    __tablename__ = "product_reviews"
    __table_args__ = (
        UniqueConstraint("product_id", "buyer_id"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        Index("ix_product_reviews_product_created", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    reply_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    replied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    product: Mapped["Product"] = relationship()
    buyer: Mapped["User"] = relationship(foreign_keys=[buyer_id])
    order_item: Mapped[OrderItem] = relationship()
