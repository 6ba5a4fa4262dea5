"""A product's variants as its sellers manage them.

Rules kept here:
- a product has at most MAX_OPTIONS option groups, each one of its category's
  ``option_groups``, each with 1..MAX_OPTION_VALUES distinct values (case-insensitive);
  every combination is a variant (at most MAX_VARIANTS); no options: one default variant;
- the options are content: on a draft they change at once, on a live product they go into
  the open revision and change when the mentor approves it (``apply_options``, called
  from ``_apply_content``), while the approved variants stay on sale meanwhile;
- stock, price, SKU, photo and low-stock threshold of a variant change at once, audited;
  ``Product.stock`` is kept the sum of the stock of its variants that are not retired;
- a variant is never deleted: a removed one is retired (order lines keep naming it); one
  in an open order, or the product's last, cannot be removed;
- another store's product or variant is not found (404).
"""
from __future__ import annotations

import itertools
import re

from flask_babel import gettext as _
from flask_babel import ngettext

from app.authz import is_member
from app.extensions import db
from app.labels import PRODUCT_FIELD_LABELS
from app.models import (
    FINAL_STATES,
    MAX_OPTION_VALUES,
    MAX_OPTIONS,
    MAX_VARIANTS,
    Category,
    Order,
    OrderItem,
    Product,
    ProductVariant,
    default_sku,
    option_key,
)
from app.services import Conflict, Invalid, NotFound, audit

MAX_VALUE_LENGTH = 40
MAX_SKU_LENGTH = 64
# "|" and "=" build the option key the catalogue's filter matches (app.models.option_key).
_FORBIDDEN = re.compile(r"[|=,\x00-\x1f]")
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


# ---------------------------------------------------------------- reading

def options_of(product: Product) -> list[dict]:
    """The live product's options: [{"name": "Ukuran", "values": ["S", "M"]}], values in
    the order of the variants (retired ones left out)."""
    names = list(product.option_names or [])
    values: list[list[str]] = [[] for _ in names]
    for variant in product.active_variants:
        for index, value in enumerate(variant.option_values or []):
            if index < len(values) and value not in values[index]:
                values[index].append(value)
    return [{"name": n, "values": v} for n, v in zip(names, values, strict=True)]


def combinations(options: list[dict]) -> list[list[str]]:
    """Every combination of the options' values, in order ([[]] without options)."""
    return [list(c) for c in itertools.product(*[o["values"] for o in options])]


def picker(product: Product) -> dict:
    """What the product page's picker shows: the groups, and per variant its values, price,
    stock and whether it can be bought."""
    return {
        "groups": options_of(product),
        "variants": [{"id": v.id, "values": list(v.option_values or []), "name": v.name,
                      "price": v.effective_price, "stock": v.stock, "available": v.stock > 0,
                      "image": v.image.key if v.image is not None else None}
                     for v in product.active_variants],
    }


# ---------------------------------------------------------------- options (content)

def clean_options(category: Category | None, raw: list[tuple[str, str]]) -> list[dict]:
    """Options from the seller's form: [(group name, "S, M, L")], empty rows skipped."""
    allowed = list((category.option_groups or []) if category is not None else [])
    options: list[dict] = []
    for name, text in raw:
        name = (name or "").strip()
        text = (text or "").strip()
        if not name and not text:
            continue
        if not name:
            raise Invalid(_("Choose the option group of the values %(values)s.", values=text[:60]))
        if name not in allowed:
            raise Invalid(_("%(name)s is not an option of this category.", name=name[:40]))
        if any(o["name"] == name for o in options):
            raise Invalid(_("The option %(name)s is given twice.", name=name))
        values: list[str] = []
        seen: set[str] = set()
        for value in text.split(","):
            value = " ".join(value.split())
            if not value:
                continue
            if _FORBIDDEN.search(value):
                raise Invalid(_("Option values may not contain | or =: %(value)s.", value=value[:40]))
            if len(value) > MAX_VALUE_LENGTH:
                raise Invalid(_("Keep each option value under %(n)s characters.", n=MAX_VALUE_LENGTH))
            if value.casefold() in seen:
                raise Invalid(_("%(value)s is given twice in %(name)s.", value=value, name=name))
            seen.add(value.casefold())
            values.append(value)
        if not values:
            raise Invalid(_("Give at least one value for %(name)s, separated by commas.", name=name))
        if len(values) > MAX_OPTION_VALUES:
            raise Invalid(_("%(name)s may have at most %(n)s values.", name=name, n=MAX_OPTION_VALUES))
        options.append({"name": name, "values": values})
    if len(options) > MAX_OPTIONS:
        raise Invalid(_("A product may have at most %(n)s options.", n=MAX_OPTIONS))
    count = len(combinations(options))
    if count > MAX_VARIANTS:
        raise Invalid(_("These options make %(count)s variants; at most %(n)s are allowed.", count=count,
                        n=MAX_VARIANTS))
    return options


def open_order_counts(variant_ids) -> dict[int, int]:
    ids = list(variant_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(OrderItem.variant_id, db.func.count(db.distinct(Order.id)))
        .join(Order, Order.id == OrderItem.order_id)
        .where(OrderItem.variant_id.in_(ids), Order.state.not_in([str(s) for s in FINAL_STATES]))
        .group_by(OrderItem.variant_id)
    ).all()
    return {variant_id: count for variant_id, count in rows}


def refuse_if_in_open_orders(variants):
    counts = open_order_counts(v.id for v in variants)
    for variant in variants:
        if counts.get(variant.id):
            raise Conflict(ngettext(
                "%(variant)s is in %(num)d open order: it cannot be removed until it is closed. "
                "Set its stock to 0 to stop selling it.",
                "%(variant)s is in %(num)d open orders: it cannot be removed until they are closed. "
                "Set its stock to 0 to stop selling it.",
                counts[variant.id], variant=variant.name or _("The product")))


def removed_variants(product, options):
    """The variants on sale now that ``options`` would retire."""
    keys = {option_key([o["name"] for o in options], c) for c in combinations(options)}
    return [v for v in product.active_variants if v.option_key not in keys]


def _unique_sku(product, values, taken):
    base = default_sku(product.slug)[:36]
    tail = "-".join(re.sub(r"[^A-Za-z0-9]+", "", v).upper()[:8] or "X" for v in values)
    sku = f"{base}-{tail}"[:MAX_SKU_LENGTH] if tail else base
    candidate, n = sku, 2
    while candidate in taken:
        candidate = f"{sku[:MAX_SKU_LENGTH - 4]}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _variant_values(product, names, values, position, taken, stock=0) -> dict:
    """A new variant of ``product`` for one combination: its SKU from the slug and the values."""
    return {"sku": _unique_sku(product, values, taken), "option_values": values,
            "option_key": option_key(names, values), "stock": stock, "position": position}


def new_variants(product: Product, options: list[dict], stock: int) -> list[dict]:
    """The variants of a product not yet in the database (its slug set), as rows for one
    INSERT of many once the product has its id (``product_id`` is the caller's to fill):
    every combination of ``options`` (as ``clean_options`` returns them), each starting with
    ``stock``, SKUs as ``apply_options`` makes them. Sets the product's option names and its
    stock, the sum of theirs. No options: [] (the product gets its default variant when
    flushed, app.models.product). No query and no ORM object per variant, unlike
    ``apply_options`` (lock, flush, recount): the bulk upload makes thousands at once."""
    if not options:
        return []
    names = [o["name"] for o in options]
    taken: set[str] = set()
    rows = [_variant_values(product, names, values, position, taken, stock)
            for position, values in enumerate(combinations(options))]
    product.option_names = names
    product.stock = sum(r["stock"] for r in rows)
    return rows


def apply_options(product: Product, options: list[dict]):
    """Make the product's variants the combinations of ``options``: new combinations get a
    variant (stock 0, the product's price, a SKU from the slug and the values), dropped ones
    are retired, a combination that comes back is restored with the stock it had. The
    caller commits."""
    if options == options_of(product) and product.variants:
        return
    _lock_variants(product)
    names = [o["name"] for o in options]
    previous = {option_key(product.option_names or [], c) for c in combinations(options_of(product))}
    by_key = {v.option_key: v for v in product.variants}
    taken = {v.sku for v in product.variants}
    wanted = []
    for position, values in enumerate(combinations(options)):
        key = option_key(names, values)
        variant = by_key.get(key)
        if variant is None:
            variant = ProductVariant(**_variant_values(product, names, values, position, taken))
            product.variants.append(variant)
        elif variant.retired and key not in previous:
            variant.retired = False
        variant.position = position
        wanted.append(key)
    for variant in product.variants:
        if variant.option_key not in wanted and not variant.retired:
            variant.retired = True
    product.option_names = names
    db.session.flush()
    _recount(product)


def _lock_variants(product):
    """Lock the product's variant rows (PostgreSQL), so a checkout taking stock at the same
    moment waits, and the product's total stays their sum."""
    db.session.execute(
        db.select(ProductVariant.id).where(ProductVariant.product_id == product.id).with_for_update()
    ).all()


def _recount(product):
    db.session.execute(
        db.update(Product).where(Product.id == product.id).values(stock=db.select(
            db.func.coalesce(db.func.sum(ProductVariant.stock), 0))
            .where(ProductVariant.product_id == product.id, ProductVariant.retired.is_(False))
            .scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(product, ["stock"])


# ---------------------------------------------------------------- stock, price (at once)

def get_variant_for_member(user, product: Product, variant_id) -> ProductVariant:
    for variant in product.variants:
        if variant.id == variant_id and is_member(user, product.store):
            return variant
    raise NotFound(_("Variant not found."))


def _number(value, label, minimum, maximum, name):
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(_("%(field)s of %(variant)s must be a whole number.", field=label, variant=name))
    if value < minimum or value > maximum:
        raise Invalid(_("%(field)s of %(variant)s must be between %(lo)s and %(hi)s.", field=label,
                        variant=name, lo=minimum, hi=maximum))
    return value


def update_variants(actor, product: Product, rows: dict[int, dict], product_threshold=None) -> Product:
    """Stock, price, SKU, photo and threshold of the product's variants, at once.
    ``rows``: {variant id: {"sku", "stock", "price" (None: the product's), "threshold"
    (None: the product's), "image_id" (None: none)}}. A variant's stock is required."""
    from app.services import low_stock

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    if product.status == "rejected":
        raise Conflict(_("A rejected product cannot be edited; create a new one."))
    active = {v.id: v for v in product.active_variants}
    for variant_id in rows:
        if variant_id not in active:
            raise NotFound(_("Variant not found."))
    image_ids = {i.id for i in product.images}
    if product_threshold is not None:
        _number(product_threshold, _("Low-stock alert"), 0, 1_000_000, product.name)
    _lock_variants(product)
    changes = {}
    skus = {v.sku: v.id for v in product.variants}
    for variant_id, data in rows.items():
        variant = active[variant_id]
        label = variant.name or product.name
        if data.get("stock") is None:
            raise Invalid(_("Enter the stock of %(variant)s (0 if there is none).", variant=label))
        stock = _number(data["stock"], PRODUCT_FIELD_LABELS["stock"], 0, 1_000_000, label)
        price = data.get("price")
        if price is not None:
            price = _number(price, PRODUCT_FIELD_LABELS["price"], 100, 1_000_000_000, label)
        threshold = data.get("threshold")
        if threshold is not None:
            threshold = _number(threshold, _("Low-stock alert"), 0, 1_000_000, label)
        sku = (data.get("sku") or "").strip()
        if not sku or len(sku) > MAX_SKU_LENGTH or not _SKU.match(sku):
            raise Invalid(_("The SKU of %(variant)s: letters, digits and . _ / - only, up to %(n)s.",
                            variant=label, n=MAX_SKU_LENGTH))
        if skus.get(sku, variant.id) != variant.id:
            raise Invalid(_("The SKU %(sku)s is used by another variant.", sku=sku))
        skus.pop(variant.sku, None)
        skus[sku] = variant.id
        image_id = data.get("image_id")
        if image_id is not None and image_id not in image_ids:
            raise Invalid(_("Choose one of the product's photos for %(variant)s.", variant=label))
        after = {"sku": sku, "stock": stock, "price": price, "low_stock_threshold": threshold, "image_id": image_id}
        before = {k: getattr(variant, k) for k in after}
        if before != after:
            changes[variant.id] = (before, after)
            for key, value in after.items():
                setattr(variant, key, value)
    threshold_before = product.low_stock_threshold
    product.low_stock_threshold = product_threshold
    db.session.flush()
    _recount(product)
    for variant in active.values():
        low_stock.rearm(variant)
    if changes or threshold_before != product_threshold:
        audit.record(actor, "product.variants_changed", product,
                     before={"variants": {str(k): b for k, (b, _a) in changes.items()},
                             "low_stock_threshold": threshold_before},
                     after={"variants": {str(k): a for k, (_b, a) in changes.items()},
                            "low_stock_threshold": product_threshold})
    db.session.commit()
    return product


def retire_variant(actor, product: Product, variant_id) -> ProductVariant:
    """Stop selling one combination: it is retired (kept for the order lines naming it).
    Refused while it is in an open order, and for the product's last variant."""
    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    variant = get_variant_for_member(actor, product, variant_id)
    if variant.retired:
        raise Conflict(_("This variant was removed already."))
    if len(product.active_variants) <= 1:
        raise Conflict(_("A product keeps at least one variant; pause the product to stop selling it."))
    refuse_if_in_open_orders([variant])
    _lock_variants(product)
    variant.retired = True
    db.session.flush()
    _recount(product)
    audit.record(actor, "product.variant_retired", product, after={"variant_id": variant.id, "name": variant.name,
                                                                   "stock": variant.stock})
    db.session.commit()
    return variant
