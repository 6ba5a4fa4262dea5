"""A product's content as its sellers edit it: creating products, editing a draft directly and
a live product through a revision (price and stock change at once), and its photos."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app import clock
from app.authz import can_review, is_member
from app.extensions import db
from app.labels import PRODUCT_FIELD_LABELS
from app.models import MAX_IMAGES, Category, Product, ProductImage, ProductRevision, Store
from app.parsing import INT_MAX
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services.listings.variants import apply_options, options_of, refuse_if_in_open_orders, removed_variants
from app.urls import slugify

# Content fields of a live product that go through a revision (price and stock do not).
CONTENT_FIELDS = ("name", "description", "category_id", "unit", "weight_grams", "min_order",
                  "lead_time_days", "images", "options")


# ---------------------------------------------------------------- loading with permission

def get_product_for_member(user, product_id: int) -> Product:
    """A product of the user's own store, else 404 (another store's products do not exist)."""

    product = db.session.get(Product, product_id)
    if product is None or user is None or not is_member(user, product.store):
        raise NotFound(_("Product not found."))
    return product


def get_product_for_reviewer(user, product_id: int) -> Product:
    """A product of a store the user reviews (its mentor, or any store for an admin), else 404."""

    product = db.session.get(Product, product_id)
    if product is None or user is None:
        raise NotFound(_("Product not found."))
    if is_member(user, product.store):
        raise NotAllowed(_("Nobody reviews a product of their own store; another mentor or an admin must decide."))
    if not can_review(user, product.store):
        raise NotFound(_("Product not found."))
    return product


# ---------------------------------------------------------------- content



def _image_dicts(product):
    return [{"key": i.key, "width": i.width, "height": i.height, "alt_text": i.alt_text, "is_cover": i.is_cover}
            for i in product.images]


def content_of(product: Product) -> dict:
    """The reviewable content of the live (or draft) product."""
    return {
        "name": product.name,
        "description": product.description,
        "category_id": product.category_id,
        "unit": product.unit,
        "weight_grams": product.weight_grams,
        "min_order": product.min_order,
        "lead_time_days": product.lead_time_days,
        "images": _image_dicts(product),
        "options": options_of(product),
    }


def open_revision(product: Product) -> ProductRevision | None:
    """The revision of a live product not yet decided (draft, submitted or changes requested)."""
    for revision in reversed(product.revisions):
        if revision.status in ("draft", "submitted", "changes_requested"):
            return revision
    return None


def working_content(product: Product) -> dict:
    """What the seller is editing: the open revision of a live product, else the product."""
    revision = open_revision(product) if product.status == "approved" else None
    return dict(revision.content) if revision is not None else content_of(product)


def _whole_number(value, label, minimum, maximum) -> int:
    """A product's number (price, stock, weight...): an int from the form, within its range."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(_("%(field)s must be a whole number.", field=label))
    if value < minimum or value > maximum:
        raise Invalid(_("%(field)s must be between %(lo)s and %(hi)s.", field=label, lo=minimum, hi=maximum))
    return value


def _clean_content(data: dict, current: dict) -> dict:
    from app.models import UNITS

    clean = dict(current)
    if "name" in data:
        clean["name"] = (data.get("name") or "").strip()
        if len(clean["name"]) < 3:
            raise Invalid(_("Give the product a name of at least 3 characters."))
        if len(clean["name"]) > 140:
            raise Invalid(_("The name may have at most 140 characters."))
    if "description" in data:
        clean["description"] = (data.get("description") or "").strip()
    if "category_id" in data:
        raw = data["category_id"]
        category = db.session.get(Category, raw) if isinstance(raw, int) and 0 < raw <= INT_MAX else None
        if category is None:
            raise Invalid(_("Choose a category."))
        clean["category_id"] = category.id
    if "unit" in data:
        if data["unit"] not in UNITS:
            raise Invalid(_("Choose a unit."))
        clean["unit"] = data["unit"]
    if "weight_grams" in data:
        clean["weight_grams"] = _whole_number(data["weight_grams"], PRODUCT_FIELD_LABELS["weight_grams"], 0, 1_000_000)
    if "min_order" in data:
        clean["min_order"] = _whole_number(data["min_order"], PRODUCT_FIELD_LABELS["min_order"], 1, 100_000)
    if "lead_time_days" in data:
        clean["lead_time_days"] = _whole_number(data["lead_time_days"], PRODUCT_FIELD_LABELS["lead_time_days"], 0, 365)
    return clean


def _clean_money(data: dict, product: Product | None) -> dict:
    out = {}
    if "price" in data:
        out["price"] = _whole_number(data["price"], PRODUCT_FIELD_LABELS["price"], 100, 1_000_000_000)
    if "stock" in data:
        out["stock"] = _whole_number(data["stock"], PRODUCT_FIELD_LABELS["stock"], 0, 1_000_000)
    return out


def _apply_content(product: Product, content: dict):
    category = None
    if "category_id" in content:
        # Looked up before the product changes (the look-up flushes): a revision's category
        # may have been deleted since it was submitted.
        category = db.session.get(Category, content["category_id"])
        if category is None:
            raise Invalid(_("Choose a category."))
    for key in CONTENT_FIELDS:
        if key not in ("images", "options") and key in content:
            setattr(product, key, content[key])
    if category is not None:
        product.category = category
    if "options" in content:
        apply_options(product, content["options"])


def _unique_slug(name):
    import secrets


    base = slugify(name)[:120]
    return f"{base}-{secrets.token_hex(3)}"


def create_product(actor, store: Store, data: dict) -> Product:
    """A member adds a product to their store; it starts as a draft."""

    if not is_member(actor, store):
        raise NotFound(_("Store not found."))
    if store.status == "suspended":
        raise Conflict(_("The store is suspended; contact the programme staff."))
    empty: dict[str, Any] = {"name": "", "description": "", "category_id": None, "unit": "pcs", "weight_grams": 0,
             "min_order": 1, "lead_time_days": 0, "images": []}
    for required in ("name", "category_id", "price"):
        data.setdefault(required, "")
    content = _clean_content(data, empty)
    money = _clean_money({"stock": data.get("stock") or 0, **{k: data[k] for k in ("price",) if k in data}}, None)
    product = Product(store=store, slug=_unique_slug(content["name"]), status="draft", **money)
    _apply_content(product, content)
    db.session.add(product)
    db.session.flush()
    audit.record(actor, "product.created", product, after={"name": product.name, "price": product.price,
                                                           "stock": product.stock})
    db.session.commit()
    return product


def update_product(actor, product: Product, data: dict) -> Product:
    """Draft or changes-requested: edit directly. Live: price and stock at once, content
    into a revision the mentor reviews while the approved version stays live."""

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    if product.status == "rejected":
        raise Conflict(_("A rejected product cannot be edited; create a new one."))
    money = _clean_money(data, product)
    if product.option_names:
        money.pop("stock", None)  # a product with options keeps its stock per variant
    content_in = {k: v for k, v in data.items() if k in CONTENT_FIELDS}
    if product.status == "submitted" and any(
            content_in.get(k) is not None and str(content_in[k]) != str(getattr(product, k)) for k in content_in):
        raise Conflict(_("The product is being reviewed; wait for the mentor's decision before changing it."))
    money_before = {k: getattr(product, k) for k in money if getattr(product, k) != money[k]}
    money_after = {k: money[k] for k in money_before}
    for key, value in money_after.items():
        setattr(product, key, value)
    if money_before:
        audit.record(actor, "product.price_stock_changed", product, before=money_before, after=money_after)

    if product.status in ("draft", "changes_requested"):
        before = content_of(product)
        content = _clean_content(content_in, before)
        _apply_content(product, content)
        changed = _changed_fields(before, content)
        if changed:
            audit.record(actor, "product.edited", product, before={k: before[k] for k in changed},
                         after={k: content[k] for k in changed})
    elif product.status == "approved":
        live = content_of(product)
        revision = open_revision(product)
        base = dict(revision.content) if revision is not None else live
        content = _clean_content(content_in, base)
        if _changed_fields(base, content):
            if revision is not None and revision.status == "submitted":
                raise Conflict(_("Your earlier changes are being reviewed; wait for the mentor's decision."))
            revision = _ensure_revision(actor, product, revision)
            revision.content = content
            audit.record(actor, "product.revision_edited", product, after={"revision_id": revision.id,
                                                                           "fields": _changed_fields(live, content)})
    db.session.commit()
    return product


def _ensure_revision(actor, product, revision=None):
    if revision is None:
        revision = ProductRevision(product=product, status="draft", content=content_of(product), created_by_id=actor.id)
        db.session.add(revision)
        db.session.flush()
    if revision.status == "changes_requested":
        pass  # stays changes_requested until resubmitted
    return revision


def _changed_fields(before: dict, after: dict):
    return [k for k in CONTENT_FIELDS if before.get(k) != after.get(k)]


def discard_revision(actor, product: Product):
    """Drop the unsubmitted changes to a live product."""

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    revision = open_revision(product)
    if revision is None or revision.status == "submitted":
        raise Conflict(_("There are no unsubmitted changes to discard."))
    revision.status = "rejected"
    revision.decided_at = clock.now()
    _forget_unused_images(product, revision.content.get("images", []))
    audit.record(actor, "product.revision_discarded", product, after={"revision_id": revision.id})
    db.session.commit()


def set_options(actor, product: Product, options: list[dict]) -> Product:
    """Change the product's options (a content change): at once on a draft, through the
    open revision on a live product. Refused if it would remove a variant in an open order."""
    _check_editable(actor, product)
    refuse_if_in_open_orders(removed_variants(product, options))
    before = options_of(product)
    if product.status == "approved":
        revision = _ensure_revision(actor, product, open_revision(product))
        content = dict(revision.content)
        content["options"] = options
        revision.content = content
        audit.record(actor, "product.revision_edited", product,
                     after={"revision_id": revision.id, "fields": ["options"]})
    else:
        apply_options(product, options)
        audit.record(actor, "product.options_changed", product, before={"options": before},
                     after={"options": options})
    db.session.commit()
    return product


# ---------------------------------------------------------------- images

def _working_images(product):
    """(list of image dicts, revision or None) for the content being edited."""
    if product.status == "approved":
        revision = open_revision(product)
        return (list(revision.content.get("images", [])) if revision else _image_dicts(product)), revision
    return _image_dicts(product), None


def _check_editable(actor, product):

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    if product.status == "rejected":
        raise Conflict(_("A rejected product cannot be edited; create a new one."))
    if product.status == "submitted":
        raise Conflict(_("The product is being reviewed; wait for the mentor's decision before changing it."))
    revision = open_revision(product) if product.status == "approved" else None
    if revision is not None and revision.status == "submitted":
        raise Conflict(_("Your earlier changes are being reviewed; wait for the mentor's decision."))


def _save_working_images(actor, product, images):
    if images and not any(i.get("is_cover") for i in images):
        images[0]["is_cover"] = True
    if product.status == "approved":
        revision = _ensure_revision(actor, product, open_revision(product))
        content = dict(revision.content)
        content["images"] = images
        revision.content = content
    else:
        _sync_image_rows(product, images)


def _sync_image_rows(product, images):
    by_key = {i.key: i for i in product.images}
    wanted = [i["key"] for i in images]
    for row in list(product.images):
        if row.key not in wanted:
            product.images.remove(row)
    for position, data in enumerate(images):
        row = by_key.get(data["key"])
        if row is None:
            row = ProductImage(key=data["key"], width=data.get("width", 0), height=data.get("height", 0))
            product.images.append(row)
        row.position = position
        row.is_cover = bool(data.get("is_cover"))
        row.alt_text = data.get("alt_text", "") or product.name
    product.images.sort(key=lambda r: r.position)


def add_image(actor, product: Product, upload) -> str:
    """Check, re-encode and attach a photo; at most MAX_IMAGES, the first becomes the cover."""
    from app.services import images as image_service

    _check_editable(actor, product)
    images, _revision = _working_images(product)
    if len(images) >= MAX_IMAGES:
        raise Invalid(_("A product can have at most %(n)s photos; remove one first.", n=MAX_IMAGES))
    key, processed = image_service.store_image(f"public/products/{product.id}", upload)
    images.append({"key": key, "width": processed.width, "height": processed.height, "alt_text": product.name,
                   "is_cover": not images})
    try:
        _save_working_images(actor, product, images)
        audit.record(actor, "product.image_added", product, after={"key": key})
        db.session.commit()
    except Exception:
        db.session.rollback()
        image_service.delete_image(key)
        raise
    return key


def remove_image(actor, product: Product, key: str | None):
    _check_editable(actor, product)
    images, _revision = _working_images(product)
    if key is None or key not in [i["key"] for i in images]:
        raise NotFound(_("Photo not found."))
    images = [i for i in images if i["key"] != key]
    _save_working_images(actor, product, images)
    audit.record(actor, "product.image_removed", product, before={"key": key})
    if product.status != "approved":
        from app.services import images as image_service

        image_service.delete_image(key)
    db.session.commit()


def set_cover(actor, product: Product, key: str | None):
    _check_editable(actor, product)
    images, _revision = _working_images(product)
    if key not in [i["key"] for i in images]:
        raise NotFound(_("Photo not found."))
    for image in images:
        image["is_cover"] = image["key"] == key
    _save_working_images(actor, product, images)
    db.session.commit()


def move_image(actor, product: Product, key: str | None, direction: int):
    _check_editable(actor, product)
    images, _revision = _working_images(product)
    keys = [i["key"] for i in images]
    if key not in keys:
        raise NotFound(_("Photo not found."))
    index = keys.index(key)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(images):
        images[index], images[other] = images[other], images[index]
        _save_working_images(actor, product, images)
        db.session.commit()


def _forget_unused_images(product, images):
    from app.services import images as image_service

    live = {i.key for i in product.images}
    for image in images:
        if image["key"] not in live:
            image_service.delete_image(image["key"])
