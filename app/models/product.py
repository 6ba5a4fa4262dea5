"""Products (listings), their images, revisions of live listings and the review history."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from flask import current_app, has_app_context
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
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import Model, db
from app.models.states import LISTING_STATES, ListingState, in_clause  # noqa: F401
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    # Names of the other aggregates, for the relationships' annotations; at run time
    # SQLAlchemy resolves them by name, and importing them here would be circular.
    from app.models.store import Category, Store
    from app.models.user import User

UNITS = ("pcs", "botol", "lembar", "paket")
REASON_CODES = ("photo", "copywriting", "price", "permit", "category", "other")
MAX_IMAGES = 8
MAX_OPTIONS = 3  # option groups per product (e.g. Ukuran, Warna, Motif)
MAX_OPTION_VALUES = 20  # values per option group
MAX_VARIANTS = 100  # combinations per product


def low_stock_threshold() -> int:
    """LOW_STOCK_THRESHOLD from the configuration (5 outside an app)."""
    return current_app.config.get("LOW_STOCK_THRESHOLD", 5) if has_app_context() else 5


class Ref:
    """A plain stand-in, read as columns, for a photo (``key``) or a store (``name``,
    ``slug``) where a template takes either the object or this: a card's cover and store,
    a cart line's thumbnail. Lets a page of rows skip loading ORM objects."""

    __slots__ = ("key", "name", "slug")

    def __init__(self, key=None, name=None, slug=None):
        self.key, self.name, self.slug = key, name, slug


class Product(Model):
    __tablename__ = "products"
    __table_args__ = (
        # The catalogue's main filter: listed products by category, newest first.
        Index("ix_products_listed_category", "listed", "category_id"),
        CheckConstraint(in_clause("status", LISTING_STATES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    name: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(Integer)  # whole rupiah
    stock: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    min_order: Mapped[int] = mapped_column(Integer, default=1)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(30), default=ListingState.DRAFT.value, index=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    sold_count: Mapped[int] = mapped_column(Integer, default=0)
    # Denormalised visibility, recomputed by services.listings.refresh_visibility whenever
    # the product, its store or the store's documents change. A buyer sees the product
    # when listed is true and listed_until (earliest expiry among the documents that make
    # it compliant; None = no expiry) is today or later, so an expiry needs no job.
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_until: Mapped[Optional[date]] = mapped_column(Date)
    # Expiry of the store's valid halal certificate, for the badge and filter (None: none).
    halal_until: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    # The option groups of the live product's variants, in order (at most MAX_OPTIONS,
    # from its category's option_groups); [] for a product with one default variant.
    option_names: Mapped[list] = mapped_column(JSON, default=list)
    # Stock at or below this is "low" (None: the LOW_STOCK_THRESHOLD setting); a variant
    # may set its own.
    low_stock_threshold: Mapped[Optional[int]] = mapped_column(Integer)

    store: Mapped["Store"] = relationship()
    category: Mapped["Category"] = relationship()
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )
    revisions: Mapped[list["ProductRevision"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductRevision.id"
    )
    reviews: Mapped[list["ListingReview"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ListingReview.id"
    )
    # Every variant, retired ones too (order lines keep pointing at them).
    variants: Mapped[list["ProductVariant"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductVariant.position"
    )

    @property
    def active_variants(self) -> list["ProductVariant"]:
        return [v for v in self.variants if not v.retired]

    @property
    def has_options(self) -> bool:
        return bool(self.option_names)

    def stock_threshold(self) -> int:
        """Stock at or below this is low: the product's own threshold, else the setting."""
        return self.low_stock_threshold if self.low_stock_threshold is not None else low_stock_threshold()

    @property
    def cover(self):
        for image in self.images:
            if image.is_cover:
                return image
        return self.images[0] if self.images else None

    @classmethod
    def cover_key_column(cls):
        """SQL: the key of the product's cover photo (the one marked, else the first), as
        ``cover`` picks it, for a query that reads plain columns instead of every photo."""
        return (
            db.select(ProductImage.key).where(ProductImage.product_id == cls.id)
            .order_by(ProductImage.is_cover.desc(), ProductImage.position, ProductImage.id)
            .limit(1).correlate(cls).scalar_subquery()
        )

    def is_visible_on(self, day: date) -> bool:
        return self.listed and (self.listed_until is None or self.listed_until >= day)

    def stock_state(self) -> str:
        """What buyers are told of the stock: ``out``, ``low`` (at most the product's threshold,
        else LOW_STOCK_THRESHOLD, left) or ``in_stock``. Words: app.labels.STOCK_LABELS."""
        if self.stock <= 0:
            return "out"
        if self.stock <= self.stock_threshold():
            return "low"
        return "in_stock"

    def is_halal_on(self, day: date) -> bool:
        """The halal badge: the store holds a halal certificate valid on ``day``."""
        return self.halal_until is not None and self.halal_until >= day

    @classmethod
    def visible_condition(cls, day: date):
        """SQL condition: what buyers may see on ``day`` (use app.clock.today())."""
        return db.and_(cls.listed.is_(True), db.or_(cls.listed_until.is_(None), cls.listed_until >= day))

    def __repr__(self):
        return f"<Product {self.slug}>"


class ProductImage(Model):
    """An uploaded photo, re-encoded; ``key`` names the stored variants
    (``<key>/large.webp``, ``<key>/thumb.webp``)."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_cover: Mapped[bool] = mapped_column(Boolean, default=False)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    alt_text: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")


def option_key(names, values) -> str:
    """``|Ukuran=M|Warna=Merah|`` for a variant's options ("" for a default variant): one
    string per combination, unique per product, that the catalogue's filter matches."""
    if not names:
        return ""
    return "|" + "|".join(f"{n}={v}" for n, v in zip(names, values, strict=False)) + "|"


def default_sku(slug: str) -> str:
    """The SKU of a product's default variant, derived from its slug (as the migration does)."""
    return (slug or "").upper()[:48]


class ProductVariant(Model):
    """One combination of a product's options, with its own SKU and stock, and optionally its
    own price (None: the product's) and photo. ``Product.stock`` is the sum of the stock of
    the product's variants that are not retired (kept so by services.variants and the
    checkout). A variant is never deleted: a removed one is ``retired``, so order lines
    keep naming it."""

    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("product_id", "option_key", name="uq_product_variants_options"),
        UniqueConstraint("product_id", "sku", name="uq_product_variants_sku"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    option_values: Mapped[list] = mapped_column(JSON, default=list)  # in the order of Product.option_names
    option_key: Mapped[str] = mapped_column(String(255), default="")
    stock: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[Optional[int]] = mapped_column(Integer)  # whole rupiah; None: the product's price
    image_id: Mapped[Optional[int]] = mapped_column(ForeignKey("product_images.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    low_stock_threshold: Mapped[Optional[int]] = mapped_column(Integer)
    # When the store was told the stock fell to the threshold; cleared when it rises above.
    low_stock_notified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="variants")
    image: Mapped[Optional[ProductImage]] = relationship()

    @property
    def name(self) -> str:
        """``M / Merah``; "" for a product's default variant."""
        return " / ".join(str(v) for v in (self.option_values or []))

    @property
    def effective_price(self) -> int:
        return self.price if self.price is not None else self.product.price

    def stock_threshold(self) -> int:
        """Stock at or below this is low: the variant's own, else the product's threshold."""
        if self.low_stock_threshold is not None:
            return self.low_stock_threshold
        return self.product.stock_threshold()

    def alert_threshold(self) -> Optional[int]:
        """The threshold the seller set (the variant's, else the product's): the store is
        told when a sale leaves the stock at it. None: no alert (the setting only labels)."""
        if self.low_stock_threshold is not None:
            return self.low_stock_threshold
        return self.product.low_stock_threshold

    def stock_state(self) -> str:
        """``out``, ``low`` or ``in_stock``, as Product.stock_state."""
        if self.retired or self.stock <= 0:
            return "out"
        if self.stock <= self.stock_threshold():
            return "low"
        return "in_stock"

    def __repr__(self):
        return f"<ProductVariant {self.sku}>"


@event.listens_for(Session, "before_flush")
def _keep_default_variants(session, _context, _instances):
    """Every product has a variant: a new product without one gets its default variant, and
    a product without options keeps its one variant's stock equal to its own (code that sets
    ``product.stock`` directly, as the demo data does, stays right)."""
    from sqlalchemy import inspect as sa_inspect

    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Product) or obj.option_names:
            continue
        if obj in session.new:
            if not obj.variants:
                obj.variants.append(ProductVariant(sku=default_sku(obj.slug), option_values=[], option_key="",
                                                   stock=obj.stock or 0, position=0))
            continue
        if sa_inspect(obj).attrs.stock.history.has_changes():
            active = [v for v in obj.variants if not v.retired]
            if len(active) == 1 and not active[0].option_key:
                active[0].stock = obj.stock


class ProductRevision(Model):
    """Proposed content for a live product; the approved version stays live meanwhile."""

    __tablename__ = "product_revisions"
    __table_args__ = (CheckConstraint(in_clause("status", LISTING_STATES), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(30), default=ListingState.DRAFT.value)
    content: Mapped[dict] = mapped_column(JSON, default=dict)  # name, description, category_id, unit, ...
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship(back_populates="revisions")


class ListingReview(Model):
    """One step in a listing's history: a submission or a mentor's decision.
    ``submitted_at`` on a decision is when the reviewed submission was made, so
    review turnaround is ``created_at - submitted_at``."""

    __tablename__ = "listing_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("product_revisions.id", ondelete="SET NULL"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))  # submitted, approved, changes_requested, rejected, ...
    reason_codes: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    # On a submission: the content submitted, so the mentor sees what changed since.
    snapshot: Mapped[Optional[dict]] = mapped_column(JSON)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    product: Mapped[Product] = relationship(back_populates="reviews")
    revision: Mapped[Optional[ProductRevision]] = relationship()
    actor: Mapped[Optional["User"]] = relationship()
