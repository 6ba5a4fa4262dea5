"""Shopping lists (Daftar belanja): a buyer's named lists of products and quantities, shared
read-only or editable with colleagues of the same department."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.product import Product, ProductVariant
    from app.models.user import User


class ShoppingList(Model):
    __tablename__ = "shopping_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped["User"] = relationship()
    items: Mapped[list["ShoppingListItem"]] = relationship(
        back_populates="shopping_list", cascade="all, delete-orphan", order_by="ShoppingListItem.id")
    shares: Mapped[list["ShoppingListShare"]] = relationship(
        back_populates="shopping_list", cascade="all, delete-orphan", order_by="ShoppingListShare.id")


class ShoppingListItem(Model):
    """A product on a list, in one of its variants: the same product in two variants is two
    lines. ``variant_id`` is None for a line kept before lists kept variants (of a product
    with options: the buyer is asked to choose) or whose variant row is gone; variants are
    retired, not deleted, so SET NULL only guards a product's own deletion order."""

    __tablename__ = "shopping_list_items"
    __table_args__ = (
        UniqueConstraint("list_id", "product_id", "variant_id", name="uq_shopping_list_items_list_product_variant"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("shopping_lists.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("product_variants.id", ondelete="SET NULL"),
                                                      index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shopping_list: Mapped[ShoppingList] = relationship(back_populates="items")
    product: Mapped["Product"] = relationship()
    variant: Mapped[Optional["ProductVariant"]] = relationship()


class ShoppingListShare(Model):
    """A colleague (same department as the owner) who may see the list, or also edit it."""

    __tablename__ = "shopping_list_shares"
    __table_args__ = (UniqueConstraint("list_id", "user_id", name="uq_shopping_list_shares_list_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("shopping_lists.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    can_edit: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shopping_list: Mapped[ShoppingList] = relationship(back_populates="shares")
    user: Mapped["User"] = relationship()
