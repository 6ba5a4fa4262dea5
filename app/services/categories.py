"""Categories: admin-managed, with a parent, bilingual names, and the groups of
documents a store must hold to list products in them."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import DOCUMENT_KINDS, Category, Product, User
from app.services import Conflict, Invalid, NotAllowed, audit

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def parse_requirements(text: str) -> list[list[str]]:
    """One group per line, kinds separated by commas or "or": ``pirt, bpom_md`` / ``halal``."""
    groups = []
    for line in (text or "").splitlines():
        kinds = [k.strip().lower() for k in re.split(r",|\bor\b|\batau\b|\|", line) if k.strip()]
        if not kinds:
            continue
        unknown = [k for k in kinds if k not in DOCUMENT_KINDS]
        if unknown:
            raise Invalid(_("Unknown document kind: %(kinds)s. Use %(known)s.", kinds=", ".join(unknown),
                            known=", ".join(DOCUMENT_KINDS)))
        groups.append(kinds)
    return groups


def format_requirements(groups) -> str:
    return "\n".join(", ".join(group) for group in (groups or []))


def all_categories():
    return db.session.execute(db.select(Category).order_by(Category.position, Category.name_id)).scalars().all()


def choices(locale="id"):
    """(id, label) for a select: parents first, children indented under them."""
    cats = all_categories()
    out = []
    by_parent: dict[int | None, list[Category]] = {}
    for c in cats:
        by_parent.setdefault(c.parent_id, []).append(c)

    def walk(parent_id, depth):
        for c in by_parent.get(parent_id, []):
            out.append((c.id, ("— " * depth) + c.name_for(locale)))
            walk(c.id, depth + 1)

    walk(None, 0)
    return out


MAX_OPTION_GROUPS = 10


def parse_option_groups(text) -> list[str]:
    """"Ukuran, Warna" -> ["Ukuran", "Warna"]: distinct names (case-insensitive), each up
    to 30 characters, at most MAX_OPTION_GROUPS."""
    if isinstance(text, list):
        text = ", ".join(str(t) for t in text)
    names: list[str] = []
    for raw in str(text).split(","):
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > 30 or re.search(r"[|=\x00-\x1f]", name):
            raise Invalid(_("An option name has at most 30 characters, without | or =."))
        if name.casefold() in (n.casefold() for n in names):
            raise Invalid(_("The option %(name)s is given twice.", name=name))
        names.append(name)
    if len(names) > MAX_OPTION_GROUPS:
        raise Invalid(_("A category may name at most %(n)s options.", n=MAX_OPTION_GROUPS))
    return names


def save_category(actor: User, category: Category | None, data: dict) -> Category:
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only programme staff manage categories."))
    name_id = (data.get("name_id") or "").strip()
    name_en = (data.get("name_en") or "").strip()
    if not name_id or not name_en:
        raise Invalid(_("Give the category's name in Indonesian and in English."))
    slug = (data.get("slug") or "").strip().lower() or re.sub(r"[^a-z0-9]+", "-", name_id.lower()).strip("-")
    if not SLUG_RE.match(slug):
        raise Invalid(_("The web address may only hold lowercase letters, digits and dashes."))
    clash = db.session.execute(db.select(Category.id).where(Category.slug == slug)).scalar_one_or_none()
    if clash is not None and (category is None or clash != category.id):
        raise Invalid(_("The web address %(slug)s is taken; choose another.", slug=slug))
    parent = db.session.get(Category, data["parent_id"]) if data.get("parent_id") else None
    if parent is not None and category is not None:
        node: Category | None = parent
        while node is not None:
            if node.id == category.id:
                raise Invalid(_("A category cannot be placed under itself."))
            node = node.parent
    required = data.get("required_documents", "")
    groups = parse_requirements(required) if isinstance(required, str) else required
    option_groups = parse_option_groups(data.get("option_groups") or "")
    creating = category is None
    if category is None:
        category = Category()
        db.session.add(category)
    before = None if creating else {"slug": category.slug, "name_id": category.name_id, "name_en": category.name_en,
                                    "parent_id": category.parent_id, "required_documents": category.required_documents}
    category.slug, category.name_id, category.name_en = slug, name_id, name_en
    category.parent = parent
    category.description = (data.get("description") or "").strip()
    category.position = int(data.get("position") or 0)
    category.required_documents = groups
    category.option_groups = option_groups
    db.session.flush()
    audit.record(actor, "category.created" if creating else "category.updated", category, before=before,
                 after={"slug": slug, "name_id": name_id, "name_en": name_en, "parent_id": category.parent_id,
                        "required_documents": groups})
    if not creating:
        # Requirements may have changed: recompute every product in this category and below.
        from app.services.listings.visibility import refresh_product_visibility

        ids = _descendant_ids(category)
        for product in db.session.execute(db.select(Product).where(Product.category_id.in_(ids))).scalars():
            refresh_product_visibility(product)
    db.session.commit()
    return category


def _descendant_ids(category):
    ids, stack = [], [category]
    while stack:
        node = stack.pop()
        ids.append(node.id)
        stack.extend(node.children)
    return ids


def delete_category(actor: User, category: Category):
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only programme staff manage categories."))
    if category.children:
        raise Conflict(_("Move or delete the sub-categories first."))
    used = db.session.scalar(db.select(db.func.count(Product.id)).where(Product.category_id == category.id))
    if used:
        raise Conflict(ngettext("%(num)d product uses this category; move it first.",
                                "%(num)d products use this category; move them first.", used))
    audit.record(actor, "category.deleted", category, before={"slug": category.slug})
    db.session.delete(category)
    db.session.commit()
