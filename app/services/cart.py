"""The buyer's persistent cart.

Rules kept here: only buyers have a cart; a line is one variant of a product (a product
with options needs the buyer to choose one; one without has its default variant); a
quantity is a whole number of at least the product's minimum order and at most the
variant's stock; only products buyers may see, and variants not retired, can be added;
a line remembers the price and availability the buyer saw, so the cart can say what
changed since. Another buyer's cart line is not found (404).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from app import clock
from app.extensions import db
from app.labels import unit_label
from app.models import Cart, CartItem, Product, ProductVariant, Store
from app.models.product import Ref
from app.services import Conflict, Invalid, NotAllowed, NotFound


def _require_buyer(user):
    if not user.has_role("buyer"):
        raise NotAllowed(_("Only buyers can buy. Register with your government e-mail to order."))


def get_cart(user, create=False):
    cart = db.session.execute(db.select(Cart).where(Cart.user_id == user.id)).scalar_one_or_none()
    if cart is None and create:
        cart = Cart(user_id=user.id)
        db.session.add(cart)
        db.session.flush()
    return cart


def _visible_product(product_id):
    return db.session.execute(
        db.select(Product).where(Product.id == product_id, Product.visible_condition(clock.today()))
    ).scalar_one_or_none()


def display_name(product, variant) -> str:
    """``Kemeja corak insang (M / Merah)``; the product's name for a default variant."""
    return f"{product.name} ({variant.name})" if variant is not None and variant.name else product.name


def _check_quantity(product, quantity, variant=None):
    stock = variant.stock if variant is not None else product.stock
    name = display_name(product, variant)
    if stock <= 0:
        raise Conflict(_("%(name)s is out of stock.", name=name))
    if quantity < product.min_order:
        raise Invalid(_("The minimum order for %(name)s is %(min)s %(unit)s.", name=name,
                        min=product.min_order, unit=unit_label(product.unit, product.min_order)))
    if quantity > stock:
        raise Invalid(ngettext("Only %(num)d %(unit)s of %(name)s is in stock.",
                               "Only %(num)d %(unit)s of %(name)s are in stock.", stock,
                               unit=unit_label(product.unit, stock), name=name))


def choose_variant(product, variant_id=None) -> ProductVariant:
    """The variant of ``product`` a buyer picked: ``variant_id`` among its variants that are
    not retired, or, for a product without options, its one variant."""
    active = product.active_variants
    if variant_id is None:
        if len(active) == 1 and not product.has_options:
            return active[0]
        raise Invalid(_("Choose a variant of %(name)s.", name=product.name))
    for variant in active:
        if variant.id == variant_id:
            return variant
    raise NotFound(_("This variant is not available."))


def add_item(user, product_id, quantity, variant_id=None):
    """Add ``quantity`` of a variant of a visible product (adding to a line already there);
    ``variant_id`` may be left out for a product without options."""
    _require_buyer(user)
    product = _visible_product(product_id)
    if product is None:
        raise NotFound(_("This product is not available."))
    variant = choose_variant(product, variant_id)
    cart = get_cart(user, create=True)
    item = db.session.execute(
        db.select(CartItem).where(CartItem.cart_id == cart.id, CartItem.variant_id == variant.id)
    ).scalar_one_or_none()
    new_quantity = quantity + (item.quantity if item else 0)
    _check_quantity(product, new_quantity, variant)
    if item is None:
        item = CartItem(cart_id=cart.id, product_id=product.id, variant_id=variant.id, quantity=new_quantity)
        db.session.add(item)
    item.quantity = new_quantity
    item.price_seen = variant.effective_price
    item.available_seen = True
    db.session.commit()
    return item


def _own_item(user, item_id):
    item = db.session.execute(
        db.select(CartItem).join(Cart).where(CartItem.id == item_id, Cart.user_id == user.id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(_("This cart line does not exist."))
    return item


def update_quantity(user, item_id, quantity):
    """Change a line's quantity; the buyer now sees the current price and availability."""
    _require_buyer(user)
    item = _own_item(user, item_id)
    product = _visible_product(item.product_id)
    variant = item.variant
    if product is None or variant.retired:
        raise Conflict(_("%(name)s is no longer available; remove it from your cart.",
                         name=display_name(item.product, variant)))
    _check_quantity(product, quantity, variant)
    item.quantity = quantity
    item.price_seen = variant.effective_price
    item.available_seen = True
    db.session.commit()
    return item


def remove_item(user, item_id):
    _require_buyer(user)
    item = _own_item(user, item_id)
    db.session.delete(item)
    db.session.commit()


def item_count(user) -> int:
    """Number of lines in the cart (the navigation badge)."""
    return db.session.execute(
        db.select(db.func.count(CartItem.id)).join(Cart).where(Cart.user_id == user.id)
    ).scalar_one()


@dataclass
class Line:
    item: CartItem
    product: Product
    visible: bool
    cover_key: str | None = None  # read with the line (``view(images=True)``)

    @property
    def cover(self):
        """The product's cover photo as the thumbnail reads it (``line_thumb(line)``)."""
        return Ref(key=self.cover_key) if self.cover_key else None

    @property
    def variant(self) -> ProductVariant:
        return self.item.variant

    @property
    def name(self) -> str:
        return display_name(self.product, self.variant)

    @property
    def stock(self) -> int:
        return 0 if self.variant.retired else self.variant.stock

    @property
    def price(self):
        return self.variant.effective_price

    @property
    def line_total(self):
        return self.price * self.item.quantity

    @property
    def price_changed(self):
        return self.price != self.item.price_seen

    @property
    def available(self):
        return self.visible and self.stock > 0

    @functools.cached_property
    def problem(self):
        """Why this line cannot be bought now, or None (worked out once: the cart page asks
        for it on each line and for the whole cart)."""
        if not self.visible or self.variant.retired:
            return _("No longer available.")
        if self.stock <= 0:
            return _("Out of stock.")
        if self.item.quantity > self.stock:
            return _("Only %(stock)s %(unit)s in stock.", stock=self.stock,
                     unit=unit_label(self.product.unit, self.stock))
        if self.item.quantity < self.product.min_order:
            return _("The minimum order is %(min)s %(unit)s.", min=self.product.min_order,
                     unit=unit_label(self.product.unit, self.product.min_order))
        return None


@dataclass
class StoreGroup:
    store: Store
    lines: list = field(default_factory=list)

    @property
    def subtotal(self):
        return sum(line.line_total for line in self.lines if line.available)


@dataclass
class CartView:
    cart: Cart | None
    groups: list

    @property
    def lines(self):
        return [line for group in self.groups for line in group.lines]

    @property
    def total(self):
        return sum(group.subtotal for group in self.groups)

    @property
    def is_empty(self):
        return not self.groups

    @property
    def has_problems(self):
        return any(line.problem for line in self.lines)

    @property
    def max_lead_time_days(self):
        return max((line.product.lead_time_days or 0 for line in self.lines), default=0)


@functools.cache
def _lines_statement(images):
    """The user's cart lines with their cart, product, store and variant, and with
    ``images`` the key of each product's cover photo (a column, not the photos: the cart
    shows one thumbnail a line, and loading every photo as objects cost a second statement
    and ~15 % of the page). Built once per process (building it cost the cart page more
    than running it), the user bound per call."""
    columns = [CartItem, Product.cover_key_column().label("cover_key")] if images else [CartItem]
    return (db.select(*columns).join(Cart, Cart.id == CartItem.cart_id)
            .join(Product, Product.id == CartItem.product_id)
            .where(Cart.user_id == db.bindparam("user_id"))
            .options(db.contains_eager(CartItem.cart), db.contains_eager(CartItem.product).joinedload(Product.store),
                     db.joinedload(CartItem.variant))
            .order_by(CartItem.id))


def view(user, images=True) -> CartView:
    """The cart grouped by store: one query for the lines with their cart, product, store,
    variant and (``images``; not when placing the orders) cover photo, and the cart alone
    when it has no line."""
    # Many-to-one joins only, so no row repeats and ``.unique()`` is not needed.
    rows = db.session.execute(_lines_statement(images), {"user_id": user.id}).all()
    cart = rows[0][0].cart if rows else get_cart(user)
    if cart is None:
        return CartView(None, [])
    today = clock.today()
    groups: dict[int, StoreGroup] = {}
    for row in rows:
        item = row[0]
        product = item.product
        group = groups.setdefault(product.store_id, StoreGroup(product.store))
        group.lines.append(Line(item, product, product.is_visible_on(today), row[1] if images else None))
    ordered = sorted(groups.values(), key=lambda g: g.store.name.lower())
    return CartView(cart, ordered)
