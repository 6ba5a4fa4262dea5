"""Shopping lists (Daftar belanja) and ordering again.

Rules kept here:
- a buyer keeps named lists (a name once per owner); the owner shares a list with a
  colleague of the same department, read-only or editable; sharing with anyone outside
  the department (or without one) is refused, and a share counts only while both are in
  the same department; another person's list is not found (404), a read-only share that
  tries to change it is refused (403);
- a list holds products buyers can see now, each in one of its variants (the one picked on
  the product page; a product without options has its one variant), once per variant, with
  a quantity: "Kaos corak insang (M / Merah)" and "(L / Merah)" are two lines; a line kept
  before lists kept variants has none, and for a product with options the buyer is asked to
  choose (the line is not put into the cart until they do);
- "add all to cart" and "order again" put lines into the cart through services.cart
  (``add_item``: its rules on visibility, minimum order and stock, today's price), line by
  line, with the line's variant, so a line that cannot be bought (a retired variant, a
  product no longer on sale, no variant chosen) is reported and the others still go in; the
  outcome says what went in, what changed price since, and what is no longer available.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app import clock
from app.extensions import db
from app.models import Order, OrderItem, Product, ShoppingList, ShoppingListItem, ShoppingListShare, User
from app.services import Conflict, DomainError, Invalid, NotAllowed, NotFound, audit
from app.services import cart as cart_service
from app.parsing import MAX_QUANTITY

MAX_NAME_CHARS = 120
MAX_LISTS = 50
MAX_ITEMS = 200


def _require_buyer(user):
    if not user.has_role("buyer"):
        raise NotAllowed(_("Only buyers keep shopping lists."))


def _clean_name(name) -> str:
    text = (name or "").strip()
    if not text:
        raise Invalid(_("Give the list a name, e.g. “Snack rapat bulanan”."))
    if len(text) > MAX_NAME_CHARS:
        raise Invalid(_("The name may have at most %(n)d characters.", n=MAX_NAME_CHARS))
    return text


def _name_taken(owner_id, name, except_id=None) -> bool:
    query = db.select(ShoppingList.id).where(ShoppingList.owner_id == owner_id,
                                             db.func.lower(ShoppingList.name) == name.lower())
    if except_id is not None:
        query = query.where(ShoppingList.id != except_id)
    return db.session.execute(query).first() is not None


def create_list(user, name) -> ShoppingList:
    _require_buyer(user)
    text = _clean_name(name)
    if _name_taken(user.id, text):
        raise Conflict(_("You already have a list named “%(name)s”.", name=text))
    count = db.session.execute(db.select(db.func.count(ShoppingList.id)).where(ShoppingList.owner_id == user.id)
                               ).scalar_one()
    if count >= MAX_LISTS:
        raise Conflict(_("You have %(n)d lists, the most one person keeps. Delete one first.", n=MAX_LISTS))
    shopping_list = ShoppingList(owner_id=user.id, name=text)
    db.session.add(shopping_list)
    db.session.flush()
    audit.record(user, "list.create", shopping_list, after={"name": text})
    db.session.commit()
    return shopping_list


# ---------------------------------------------------------------- access

def _colleagues(a, b) -> bool:
    return a.department_id is not None and a.department_id == b.department_id


def access(user, shopping_list) -> str | None:
    """``owner``, ``edit``, ``read`` or None (nothing: the list does not exist for them)."""
    if shopping_list.owner_id == user.id:
        return "owner"
    for share in shopping_list.shares:
        if share.user_id == user.id:
            if not _colleagues(user, shopping_list.owner):
                return None
            return "edit" if share.can_edit else "read"
    return None


def get_list(user, list_id, need="read") -> ShoppingList:
    """A list the user may ``need`` (read, edit, owner): another person's is not found (404);
    a read-only share asked to change it is refused (403)."""
    shopping_list = db.session.execute(
        db.select(ShoppingList).where(ShoppingList.id == list_id)
        .options(db.selectinload(ShoppingList.shares).joinedload(ShoppingListShare.user),
                 db.joinedload(ShoppingList.owner))
    ).unique().scalar_one_or_none()
    level = access(user, shopping_list) if shopping_list is not None else None
    if shopping_list is None or level is None:
        raise NotFound(_("This shopping list does not exist."))
    if need == "edit" and level == "read":
        raise NotAllowed(_("%(owner)s shared this list with you to read; only they can change it.",
                           owner=shopping_list.owner.full_name))
    if need == "owner" and level != "owner":
        raise NotAllowed(_("Only %(owner)s, who made the list, can do this.", owner=shopping_list.owner.full_name))
    return shopping_list


def lists_of(user):
    """(own lists, lists shared with the user by colleagues), each with its item count."""
    counts = (db.select(ShoppingListItem.list_id, db.func.count(ShoppingListItem.id).label("n"))
              .group_by(ShoppingListItem.list_id).subquery())
    own = db.session.execute(
        db.select(ShoppingList, db.func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.list_id == ShoppingList.id)
        .where(ShoppingList.owner_id == user.id).order_by(db.func.lower(ShoppingList.name))
    ).all()
    shared: list = []
    if user.department_id is not None:
        shared = list(db.session.execute(
            db.select(ShoppingList, db.func.coalesce(counts.c.n, 0), ShoppingListShare.can_edit)
            .join(ShoppingListShare, ShoppingListShare.list_id == ShoppingList.id)
            .join(User, User.id == ShoppingList.owner_id)
            .outerjoin(counts, counts.c.list_id == ShoppingList.id)
            .where(ShoppingListShare.user_id == user.id, User.department_id == user.department_id)
            .options(db.joinedload(ShoppingList.owner))
            .order_by(db.func.lower(ShoppingList.name))
        ).all())
    return own, shared


@functools.cache
def _editable_statement():
    """Built once per process (building it cost the product page more than running it); the
    user and their department are bound at each call. The same rule as ``lists_of``: a list
    shared by a colleague counts while its owner is in the user's department."""
    user_id, department_id = db.bindparam("user_id"), db.bindparam("department_id")
    shared = (db.select(ShoppingListShare.id)
              .where(ShoppingListShare.list_id == ShoppingList.id, ShoppingListShare.user_id == user_id,
                     ShoppingListShare.can_edit.is_(True)).exists())
    owner_department = (db.select(User.department_id).where(User.id == ShoppingList.owner_id)
                        .correlate(ShoppingList).scalar_subquery())
    own = ShoppingList.owner_id == user_id
    return (db.select(ShoppingList.id, ShoppingList.name)
            .where(db.or_(own, db.and_(shared, owner_department == department_id)))
            .order_by(db.case((own, 0), else_=1), db.func.lower(ShoppingList.name), ShoppingList.id))


def editable_lists(user):
    """The lists the user may add a product to (own, then shared editable, each by name), as
    rows of (id, name): one statement, for the product page's "Save to list"."""
    return db.session.execute(_editable_statement(),
                              {"user_id": user.id, "department_id": user.department_id}).all()


def items_of(shopping_list):
    """The list's lines with their products (and stores, photos) and variants loaded."""
    return db.session.execute(
        db.select(ShoppingListItem).where(ShoppingListItem.list_id == shopping_list.id)
        .options(db.joinedload(ShoppingListItem.product).options(db.joinedload(Product.store),
                                                                  db.selectinload(Product.images)),
                 db.joinedload(ShoppingListItem.variant))
        .order_by(ShoppingListItem.id)
    ).unique().scalars().all()


def line_name(item) -> str:
    """``Kaos corak insang (M / Merah)``: the cart's name for the line's product and variant."""
    return cart_service.display_name(item.product, item.variant)


def line_state(item, day) -> str:
    """What a line can do today: ``ok``; ``choose`` (no variant, and the product has options:
    the buyer picks one on its page); ``retired`` (the variant is no longer sold); ``gone``
    (the product is not on sale)."""
    if not item.product.is_visible_on(day):
        return "gone"
    if item.variant is None:
        return "choose" if item.product.has_options else "ok"
    return "retired" if item.variant.retired else "ok"


def line_price(item) -> int:
    """Today's price of the line: its variant's, else the product's."""
    return item.variant.effective_price if item.variant is not None else item.product.price


# ---------------------------------------------------------------- changing a list

def rename(user, list_id, name) -> ShoppingList:
    shopping_list = get_list(user, list_id, "owner")
    text = _clean_name(name)
    if _name_taken(user.id, text, except_id=shopping_list.id):
        raise Conflict(_("You already have a list named “%(name)s”.", name=text))
    before = shopping_list.name
    shopping_list.name = text
    audit.record(user, "list.rename", shopping_list, before={"name": before}, after={"name": text})
    db.session.commit()
    return shopping_list


def delete_list(user, list_id) -> None:
    shopping_list = get_list(user, list_id, "owner")
    audit.record(user, "list.delete", shopping_list, before={"name": shopping_list.name})
    db.session.delete(shopping_list)
    db.session.commit()


def _visible(product_id) -> Product:
    product = db.session.execute(
        db.select(Product).where(Product.id == product_id, Product.visible_condition(clock.today()))
    ).scalar_one_or_none()
    if product is None:
        raise NotFound(_("This product is not available."))
    return product


def _put(user, shopping_list, product, variant, quantity) -> ShoppingListItem:
    if not isinstance(quantity, int) or quantity < 1:
        raise Invalid(_("The quantity must be at least 1."))
    variant_id = variant.id if variant is not None else None
    item = db.session.execute(
        db.select(ShoppingListItem).where(ShoppingListItem.list_id == shopping_list.id,
                                          ShoppingListItem.product_id == product.id,
                                          ShoppingListItem.variant_id.is_(None) if variant_id is None
                                          else ShoppingListItem.variant_id == variant_id)
    ).scalar_one_or_none() if shopping_list.id is not None else None
    total = quantity + (item.quantity if item else 0)
    if total > MAX_QUANTITY:
        raise Invalid(_("The quantity is too large."))
    if item is None:
        count = db.session.execute(db.select(db.func.count(ShoppingListItem.id))
                                   .where(ShoppingListItem.list_id == shopping_list.id)).scalar_one()
        if count >= MAX_ITEMS:
            raise Conflict(_("A list holds at most %(n)d products.", n=MAX_ITEMS))
        item = ShoppingListItem(list_id=shopping_list.id, product_id=product.id, variant_id=variant_id,
                                quantity=total, added_by_id=user.id)
        db.session.add(item)
    item.quantity = total
    shopping_list.updated_at = clock.now()
    return item


def add_product(user, list_id, product_id, quantity, variant_id=None) -> ShoppingListItem:
    """Put a product buyers can see on a list, in the variant picked (adding to the line's
    quantity if that variant is there); ``variant_id`` may be left out for a product
    without options."""
    shopping_list = get_list(user, list_id, "edit")
    product = _visible(product_id)
    # The variant as the cart would take it (among those on sale; a product without options has its
    # one), so a list never keeps what the cart would refuse as unchosen.
    item = _put(user, shopping_list, product, cart_service.choose_variant(product, variant_id), quantity)
    db.session.commit()
    return item


def add_to_new_list(user, name, product_id, quantity, variant_id=None) -> ShoppingListItem:
    """A new list with this product (in the variant picked) on it (one commit: no empty list
    is left on an error)."""
    _require_buyer(user)
    text = _clean_name(name)
    product = _visible(product_id)
    variant = cart_service.choose_variant(product, variant_id)
    if _name_taken(user.id, text):
        raise Conflict(_("You already have a list named “%(name)s”.", name=text))
    shopping_list = ShoppingList(owner_id=user.id, name=text)
    db.session.add(shopping_list)
    db.session.flush()
    item = _put(user, shopping_list, product, variant, quantity)
    audit.record(user, "list.create", shopping_list, after={"name": text})
    db.session.commit()
    return item


def _own_item(user, list_id, line_id, need="edit"):
    shopping_list = get_list(user, list_id, need)
    item = db.session.execute(
        db.select(ShoppingListItem).where(ShoppingListItem.id == line_id, ShoppingListItem.list_id == shopping_list.id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(_("This line is not on the list."))
    return shopping_list, item


def set_quantity(user, list_id, line_id, quantity) -> ShoppingListItem:
    shopping_list, item = _own_item(user, list_id, line_id)
    item.quantity = quantity
    shopping_list.updated_at = clock.now()
    db.session.commit()
    return item


def remove_item(user, list_id, line_id) -> None:
    shopping_list, item = _own_item(user, list_id, line_id)
    db.session.delete(item)
    shopping_list.updated_at = clock.now()
    db.session.commit()


# ---------------------------------------------------------------- sharing

def share(owner, list_id, email, can_edit) -> ShoppingListShare:
    """Share with a colleague of the owner's department (by e-mail); outside it: refused."""
    shopping_list = get_list(owner, list_id, "owner")
    address = (email or "").strip().lower()
    if not address:
        raise Invalid(_("Enter your colleague’s e-mail address."))
    if owner.department_id is None:
        raise Conflict(_("Lists are shared within a department; choose your department on your profile first."))
    colleague = db.session.execute(db.select(User).where(db.func.lower(User.email) == address)).scalar_one_or_none()
    if colleague is not None and colleague.id == owner.id:
        raise Invalid(_("This is your own list."))
    # One answer for "nobody" and "someone elsewhere": the form does not reveal who has an account.
    if (colleague is None or not colleague.active or not colleague.has_role("buyer")
            or not _colleagues(owner, colleague)):
        raise NotAllowed(_("A list can be shared only with colleagues of your department (%(department)s) "
                           "who buy on Pasar Kite Bise.", department=owner.department.name))
    existing = next((s for s in shopping_list.shares if s.user_id == colleague.id), None)
    if existing is None:
        existing = ShoppingListShare(list_id=shopping_list.id, user_id=colleague.id, can_edit=bool(can_edit))
        db.session.add(existing)
        db.session.flush()
    existing.can_edit = bool(can_edit)
    audit.record(owner, "list.share", shopping_list, after={"user_id": colleague.id, "can_edit": bool(can_edit)})
    from app.services import notifications as notify
    from app.urls import path_for

    notify.add(colleague, "list_shared", link=path_for("lists.detail", list_id=shopping_list.id),
               owner=owner.full_name, name=shopping_list.name)
    db.session.commit()
    return existing


def unshare(owner, list_id, share_id) -> None:
    shopping_list = get_list(owner, list_id, "owner")
    row = next((s for s in shopping_list.shares if s.id == share_id), None)
    if row is None:
        raise NotFound(_("This list is not shared with that person."))
    audit.record(owner, "list.unshare", shopping_list, before={"user_id": row.user_id})
    db.session.delete(row)
    db.session.commit()


# ---------------------------------------------------------------- into the cart

@dataclass
class Outcome:
    """What putting lines into the cart did: (name, quantity) added; (name, old price,
    today's price) added at a changed price; (name, why) not added."""

    added: list = field(default_factory=list)
    repriced: list = field(default_factory=list)
    missing: list = field(default_factory=list)


def _into_cart(user, lines, outcome) -> Outcome:
    """``lines``: (product id or None, variant id or None, name, quantity, price paid or
    None). Each line goes through cart.add_item, which commits it; a refused line is rolled
    back and reported: a retired variant as not available, a product no longer on sale as
    such, and, without a variant id, a product with options with "Choose a variant" (a list
    line kept before lists kept variants)."""
    for product_id, variant_id, name, quantity, paid in lines:
        if product_id is None:
            outcome.missing.append((name, _("No longer sold.")))
            continue
        try:
            item = cart_service.add_item(user, product_id, quantity, variant_id)
        except DomainError as error:
            db.session.rollback()
            outcome.missing.append((name, str(error.message)))
            continue
        today = item.variant.effective_price if item.variant is not None else item.product.price
        outcome.added.append((cart_service.display_name(item.product, item.variant), quantity))
        if paid is not None and today != paid:
            outcome.repriced.append((cart_service.display_name(item.product, item.variant), paid, today))
    return outcome


def add_all_to_cart(user, list_id) -> Outcome:
    """Every line of a list the user may see into their own cart, at today's prices."""
    if not user.has_role("buyer"):
        raise NotAllowed(_("Only buyers can buy. Register with your government e-mail to order."))
    shopping_list = get_list(user, list_id, "read")
    lines = [(i.product_id, i.variant_id, line_name(i), i.quantity, None) for i in items_of(shopping_list)]
    if not lines:
        raise Conflict(_("The list is empty."))
    return _into_cart(user, lines, Outcome())


def _own_order(user, order_id) -> Order:
    order = db.session.execute(
        db.select(Order).where(Order.id == order_id, Order.buyer_id == user.id)).scalar_one_or_none()
    if order is None:
        raise NotFound(_("This order does not exist."))
    return order


def reorder(user, order_id) -> Outcome:
    """"Order again": the lines of one of the buyer's orders into the cart at today's prices."""
    if not user.has_role("buyer"):
        raise NotAllowed(_("Only buyers can buy. Register with your government e-mail to order."))
    order = _own_order(user, order_id)
    items = db.session.execute(db.select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)
                               ).scalars().all()
    lines = [(i.product_id, i.variant_id, i.full_name, i.quantity, i.unit_price) for i in items]
    return _into_cart(user, lines, Outcome())


def save_order_as_list(user, order_id, name) -> ShoppingList:
    """Keep an order's products (those still sold), in the variants ordered, as a new list."""
    _require_buyer(user)
    order = _own_order(user, order_id)
    text = _clean_name(name)
    if _name_taken(user.id, text):
        raise Conflict(_("You already have a list named “%(name)s”.", name=text))
    shopping_list = ShoppingList(owner_id=user.id, name=text)
    db.session.add(shopping_list)
    db.session.flush()
    seen = set()
    for item in db.session.execute(db.select(OrderItem).where(OrderItem.order_id == order.id)).scalars():
        if item.product_id is not None and (item.product_id, item.variant_id) not in seen:
            seen.add((item.product_id, item.variant_id))
            db.session.add(ShoppingListItem(list_id=shopping_list.id, product_id=item.product_id,
                                            variant_id=item.variant_id, quantity=item.quantity, added_by_id=user.id))
    audit.record(user, "list.create", shopping_list, after={"name": text, "from_order": order.id})
    db.session.commit()
    return shopping_list
