"""Listings: the approval workflow of products, revisions of live products, pause and
resume, and the denormalised visibility buyers see.

Rules kept here:
- transitions are the explicit table ``TRANSITIONS``; anything else is a Conflict (409)
  and changes nothing;
- each transition writes a ListingReview row and an audit entry, and commits once;
- nobody decides on a product of their own store; a mentor decides only for the stores
  assigned to them (admins for every store);
- a product cannot be approved while its store is unverified or lacks a valid required
  document; ``refresh_visibility`` recomputes ``listed``/``listed_until``/``halal_until``
  whenever the product, its store or a document changes, so a live product disappears
  by itself when a required document expires and comes back when a renewed one is valid.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.authz import can_review, is_member, require_reviewer
from app.urls import slugify
from app.urls import absolute_url
from app.labels import (DOCUMENT_KIND_LABELS, LISTING_ACTION_LABELS, LISTING_STATE_LABELS, PRODUCT_FIELD_LABELS,
                        REASON_HINTS, REASON_LABELS)
from app import clock
from app.extensions import db
from app.models import (MAX_IMAGES, REASON_CODES, Category, ListingReview, ListingState, Product, ProductImage,
                        ProductRevision, Store)
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services.mail import queue_email

# A halal certificate without an expiry date still needs a date for the badge filter.
FAR_FUTURE = date(9999, 12, 31)





# state -> {action: new state}. A product and a revision of a live product share it.
TRANSITIONS = {
    ListingState.DRAFT: {"submit": ListingState.SUBMITTED},
    ListingState.SUBMITTED: {"approve": ListingState.APPROVED, "request_changes": ListingState.CHANGES_REQUESTED,
                             "reject": ListingState.REJECTED},
    ListingState.CHANGES_REQUESTED: {"submit": ListingState.SUBMITTED},
    ListingState.APPROVED: {},
    ListingState.REJECTED: {},
}

# Content fields of a live product that go through a revision (price and stock do not).
CONTENT_FIELDS = ("name", "description", "category_id", "unit", "weight_grams", "min_order",
                  "lead_time_days", "images")


# ---------------------------------------------------------------- visibility

def document_plan(store: Store, category: Category | None, day: date | None = None):
    """For each requirement group of ``category``: the valid document chosen to meet it
    (the one expiring latest) or None. Returns ``[(group, document_or_None)]``."""
    day = day or clock.today()
    groups = category.requirement_groups() if category is not None else []
    plan = []
    for group in groups:
        candidates = [d for d in store.documents if d.kind in group and d.is_valid_on(day)]
        # No expiry beats any expiry; otherwise the latest expiry.
        candidates.sort(key=lambda d: d.expires_on or FAR_FUTURE, reverse=True)
        plan.append((group, candidates[0] if candidates else None))
    return plan


def missing_requirements(store: Store, category: Category | None, day: date | None = None):
    """Requirement groups no valid document meets, as lists of kinds."""
    return [group for group, doc in document_plan(store, category, day) if doc is None]


def halal_until(store: Store, day: date | None = None):
    day = day or clock.today()
    dates = [d.expires_on or FAR_FUTURE for d in store.documents if d.kind == "halal" and d.is_valid_on(day)]
    return max(dates) if dates else None


def refresh_product_visibility(product: Product, day: date | None = None):
    """Recompute ``listed``, ``listed_until`` and ``halal_until`` of one product (no commit)."""
    day = day or clock.today()
    store = product.store
    plan = document_plan(store, product.category, day)
    compliant = all(doc is not None for _group, doc in plan)
    product.listed = bool(product.status == "approved" and not product.paused and store.is_verified and compliant)
    expiries = [doc.expires_on for _group, doc in plan if doc is not None and doc.expires_on is not None]
    product.listed_until = min(expiries) if (product.listed and expiries) else None
    product.halal_until = halal_until(store, day)
    return product


def refresh_visibility(store: Store, day: date | None = None):
    """Recompute the visibility of every product of ``store`` (no commit)."""
    day = day or clock.today()
    products = db.session.execute(db.select(Product).where(Product.store_id == store.id)).scalars().all()
    for product in products:
        refresh_product_visibility(product, day)
    return products


def requirement_names(groups) -> str:
    """``[["pirt", "bpom_md"], ["halal"]]`` -> "PIRT-IRT or BPOM MD; Halal certificate"."""
    parts = []
    for group in groups:
        parts.append((" %s " % _("or")).join(str(DOCUMENT_KIND_LABELS.get(k, k)) for k in group))
    return "; ".join(parts)


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


def _parse_int(value, label, minimum=0, maximum=2_000_000_000):
    try:
        number = int(str(value).replace(".", "").replace(",", "").strip())
    except (TypeError, ValueError):
        raise Invalid(_("%(field)s must be a whole number.", field=label)) from None
    if number < minimum or number > maximum:
        raise Invalid(_("%(field)s must be between %(lo)s and %(hi)s.", field=label, lo=minimum, hi=maximum))
    return number


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
        raw = str(data["category_id"] or "")
        category = db.session.get(Category, int(raw)) if raw.isdigit() else None
        if category is None:
            raise Invalid(_("Choose a category."))
        clean["category_id"] = category.id
    if "unit" in data:
        if data["unit"] not in UNITS:
            raise Invalid(_("Choose a unit."))
        clean["unit"] = data["unit"]
    if "weight_grams" in data:
        clean["weight_grams"] = _parse_int(data["weight_grams"], PRODUCT_FIELD_LABELS["weight_grams"], 0, 1_000_000)
    if "min_order" in data:
        clean["min_order"] = _parse_int(data["min_order"], PRODUCT_FIELD_LABELS["min_order"], 1, 100_000)
    if "lead_time_days" in data:
        clean["lead_time_days"] = _parse_int(data["lead_time_days"], PRODUCT_FIELD_LABELS["lead_time_days"], 0, 365)
    return clean


def _clean_money(data: dict, product: Product | None) -> dict:
    out = {}
    if "price" in data:
        out["price"] = _parse_int(data["price"], PRODUCT_FIELD_LABELS["price"], 100, 1_000_000_000)
    if "stock" in data:
        out["stock"] = _parse_int(data["stock"], PRODUCT_FIELD_LABELS["stock"], 0, 1_000_000)
    return out


def _apply_content(product: Product, content: dict):
    for key in CONTENT_FIELDS:
        if key != "images" and key in content:
            setattr(product, key, content[key])
    if "category_id" in content:
        product.category = db.session.get(Category, content["category_id"])


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
    empty = {"name": "", "description": "", "category_id": None, "unit": "pcs", "weight_grams": 0,
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


def remove_image(actor, product: Product, key: str):
    _check_editable(actor, product)
    images, _revision = _working_images(product)
    if key not in [i["key"] for i in images]:
        raise NotFound(_("Photo not found."))
    images = [i for i in images if i["key"] != key]
    _save_working_images(actor, product, images)
    audit.record(actor, "product.image_removed", product, before={"key": key})
    if product.status != "approved":
        from app.services import images as image_service

        image_service.delete_image(key)
    db.session.commit()


def set_cover(actor, product: Product, key: str):
    _check_editable(actor, product)
    images, _revision = _working_images(product)
    if key not in [i["key"] for i in images]:
        raise NotFound(_("Photo not found."))
    for image in images:
        image["is_cover"] = image["key"] == key
    _save_working_images(actor, product, images)
    db.session.commit()


def move_image(actor, product: Product, key: str, direction: int):
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


# ---------------------------------------------------------------- workflow



def _check_transition(table, status, action):
    if action not in table.get(status, {}):
        raise Conflict(_("A product that is %(state)s cannot be %(action)s.",
                         state=str(LISTING_STATE_LABELS.get(status, status)).lower(),
                         action=str(LISTING_ACTION_LABELS.get(action, action))))
    return table[status][action]


def submit_listing(actor, product: Product) -> Product:
    """A member sends a draft (or a product sent back for changes), or the changes to a
    live product, to the store's mentor."""

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    if product.store.status == "suspended":
        raise Conflict(_("The store is suspended; contact the programme staff."))
    now = clock.now()
    if product.status == "approved":
        revision = open_revision(product)
        if revision is None:
            raise Conflict(_("There are no changes to submit: the product is already live."))
        _check_transition(TRANSITIONS, revision.status, "submit")
        if not revision.content.get("images"):
            raise Invalid(_("Add at least one photo before submitting."))
        revision.status = "submitted"
        revision.submitted_at = now
        snapshot = dict(revision.content)
    else:
        new_status = _check_transition(TRANSITIONS, product.status, "submit")
        if not product.images:
            raise Invalid(_("Add at least one photo before submitting."))
        if not product.description.strip():
            raise Invalid(_("Describe the product before submitting."))
        revision = None
        product.status = new_status
        product.submitted_at = now
        snapshot = content_of(product)
    snapshot.update(price=product.price, stock=product.stock)
    db.session.add(ListingReview(product=product, revision=revision, actor_id=actor.id, action="submitted",
                                 snapshot=snapshot, submitted_at=now))
    audit.record(actor, "product.revision_submitted" if revision else "product.submitted", product,
                 after={"status": product.status, "revision_id": revision.id if revision else None})
    _notify_mentor(product, revision)
    db.session.commit()
    return product


def _notify_mentor(product, revision):

    mentor = product.store.mentor
    if mentor is None:
        return
    subject = (_l("Changes to review: %(name)s", name=product.name) if revision
               else _l("New product to review: %(name)s", name=product.name))
    queue_email(mentor.email, subject, "listing_submitted", locale=mentor.locale, product=product,
                revision=revision, store=product.store, url=absolute_url("mentor.review", product_id=product.id))


def under_review(product: Product):
    """What a decision would be about: ("product", None), ("revision", revision) or (None, None)."""
    if product.status == "submitted":
        return "product", None
    if product.status == "approved":
        revision = open_revision(product)
        if revision is not None and revision.status == "submitted":
            return "revision", revision
    return None, None


def approval_blockers(product: Product, category: Category | None = None) -> list[str]:
    """Why the product cannot be approved now (empty: it can)."""
    category = category or product.category
    store = product.store
    problems = []
    if not store.is_verified:
        problems.append(_("the store %(name)s is not verified", name=store.name))
    missing = missing_requirements(store, category)
    if missing:
        problems.append(_("the store lacks a valid %(docs)s", docs=requirement_names(missing)))
    return problems


def decide_listing(actor, product: Product, decision: str, reason_codes=(), note: str = "") -> Product:
    """The store's mentor (or an admin) approves, requests changes (one or more reason
    codes and a note) or rejects what was submitted: a new product or a live product's
    revision. Nobody decides on their own store's product."""

    require_reviewer(actor, product.store)
    if decision not in ("approve", "request_changes", "reject"):
        raise Invalid(_("Choose a decision."))
    note = (note or "").strip()
    reason_codes = [c for c in (reason_codes or []) if c]
    unknown = [c for c in reason_codes if c not in REASON_CODES]
    if unknown:
        raise Invalid(_("Unknown reason: %(codes)s.", codes=", ".join(unknown)))
    what, revision = under_review(product)
    if what is None:
        # No submission is waiting: explain through the product's own transition table.
        _check_transition(TRANSITIONS, product.status, decision)
    if decision == "request_changes":
        if not reason_codes:
            raise Invalid(_("Tick at least one reason for the changes."))
        if not note:
            raise Invalid(_("Write a note saying what to change."))
    if decision == "reject" and not note:
        raise Invalid(_("Write a note saying why the product is rejected."))
    now = clock.now()
    if what == "product":
        new_status = _check_transition(TRANSITIONS, product.status, decision)
        if decision == "approve":
            blockers = approval_blockers(product)
            if blockers:
                raise Conflict(_("This product cannot be approved yet: %(why)s.", why="; ".join(blockers)))
        before = product.status
        submitted_at = product.submitted_at
        product.status = new_status
        if new_status == "approved":
            product.approved_at = now
            product.paused = False
        after = {"status": product.status}
    else:
        new_status = _check_transition(TRANSITIONS, revision.status, decision)
        if decision == "approve":
            category = db.session.get(Category, revision.content.get("category_id"))
            blockers = approval_blockers(product, category)
            if blockers:
                raise Conflict(_("These changes cannot be approved yet: %(why)s.", why="; ".join(blockers)))
        before = revision.status
        submitted_at = revision.submitted_at
        revision.status = new_status
        revision.decided_at = now
        if new_status == "approved":
            old_images = _image_dicts(product)
            _apply_content(product, revision.content)
            _sync_image_rows(product, [dict(i) for i in revision.content.get("images", [])])
            new_keys = {i["key"] for i in revision.content.get("images", [])}
            from app.services import images as image_service

            for image in old_images:
                if image["key"] not in new_keys:
                    image_service.delete_image(image["key"])
        elif new_status == "rejected":
            _forget_unused_images(product, revision.content.get("images", []))
        after = {"revision_status": revision.status}
    db.session.add(ListingReview(product=product, revision=revision, actor_id=actor.id, action=new_status,
                                 reason_codes=list(reason_codes) if decision == "request_changes" else [],
                                 note=note, submitted_at=submitted_at, created_at=now))
    audit.record(actor, f"product.{'revision_' if revision else ''}{new_status}", product,
                 before={"status": before}, after=after, note=note)
    db.session.flush()
    refresh_product_visibility(product)
    _notify_members(product, new_status, reason_codes, note, revision)
    db.session.commit()
    return product


def _notify_members(product, new_status, reason_codes, note, revision):

    subjects = {
        "approved": lambda: _l("Approved: %(name)s", name=product.name),
        "changes_requested": lambda: _l("Changes requested: %(name)s", name=product.name),
        "rejected": lambda: _l("Not approved: %(name)s", name=product.name),
    }
    for member in product.store.members:
        user = member.user
        subject = subjects[new_status]()
        queue_email(user.email, subject, "listing_decision", locale=user.locale, product=product,
                    revision=revision, decision=new_status, reason_codes=reason_codes, note=note,
                    reason_labels=REASON_LABELS, reason_hints=REASON_HINTS,
                    url=absolute_url("seller.product", product_id=product.id))


def pause_listing(actor, product: Product) -> Product:
    """The seller hides a live product; only an approved, unpaused product can be paused."""
    return _set_paused(actor, product, True)


def resume_listing(actor, product: Product) -> Product:
    return _set_paused(actor, product, False)


def _set_paused(actor, product, paused):

    if not is_member(actor, product.store):
        raise NotFound(_("Product not found."))
    if product.status != "approved":
        raise Conflict(_("Only an approved product can be paused or resumed."))
    if product.paused == paused:
        raise Conflict(_("The product is already paused.") if paused else _("The product is not paused."))
    product.paused = paused
    refresh_product_visibility(product)
    db.session.add(ListingReview(product=product, actor_id=actor.id, action="paused" if paused else "resumed"))
    audit.record(actor, "product.paused" if paused else "product.resumed", product,
                 before={"paused": not paused}, after={"paused": paused})
    db.session.commit()
    return product


# ---------------------------------------------------------------- reading

DECISIONS = ("approved", "changes_requested", "rejected")


def latest_decision(product: Product) -> ListingReview | None:
    for review in reversed(product.reviews):
        if review.action in DECISIONS:
            return review
    return None


def changes_since(product: Product):
    """[(field, before, after)] for the mentor: a revision against the live version, or a
    resubmission against the previous submission."""
    what, revision = under_review(product)
    if what == "revision":
        before, after = content_of(product), revision.content
    else:
        submissions = [r for r in product.reviews if r.action == "submitted" and r.revision_id is None and r.snapshot]
        if len(submissions) < 2:
            return []
        before, after = submissions[-2].snapshot, submissions[-1].snapshot
    rows = []
    for key in CONTENT_FIELDS + ("price", "stock"):
        if key in after and before.get(key) != after.get(key):
            rows.append((key, before.get(key), after.get(key)))
    return rows


def review_queue(actor, mentor_id=None):
    """What waits for ``actor``'s decision, oldest first: [(product, revision, submitted_at)].
    A mentor sees the stores assigned to them; an admin every store (or one mentor's)."""
    query = db.select(Product).join(Product.store)
    if actor.has_role("admin"):
        if mentor_id:
            query = query.where(Store.mentor_id == mentor_id)
    else:
        query = query.where(Store.mentor_id == actor.id)
    query = query.where(db.or_(
        Product.status == "submitted",
        db.and_(Product.status == "approved",
                Product.id.in_(db.select(ProductRevision.product_id).where(ProductRevision.status == "submitted"))),
    ))
    from sqlalchemy.orm import selectinload

    products = db.session.execute(query.options(selectinload(Product.revisions), selectinload(Product.store)
                                                .selectinload(Store.members))).scalars().all()

    rows = []
    for product in products:
        if is_member(actor, product.store):
            continue
        what, revision = under_review(product)
        submitted = revision.submitted_at if revision else product.submitted_at
        rows.append((product, revision, submitted))
    rows.sort(key=lambda r: r[2] or clock.now())
    return rows
