"""What buyers see: the catalogue, its filters and sorts, product and store pages.

Rules kept here:
- a buyer sees a product only when ``Product.visible_condition(today)`` holds AND its
  store is verified (``buyer_visible``); everything else is "not found" (404), also
  by URL;
- the halal badge and filter read ``Product.halal_until >= today``;
- every page loads what it shows in a fixed number of queries (joined store,
  ``selectinload`` of the images, the category tree once per request);
- totals of a filter are cached for a short time and dropped by any commit
  (``app.catalog.cache.cached_value``).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, case, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.parsing import ParseError, parse_optional_rupiah
from app.catalog import versions
from app.catalog.cache import cached_value, count_ttl_seconds
from app.extensions import db
from app.models import BusinessDocument, Category, Product, Store
from app.models.product import Ref
from app.services import search

PER_PAGE = 24
#: Totals are counted exactly up to this many products; beyond, a page says "more than 1.000".
COUNT_CAP = 1000
# A search by relevance with more than COUNT_CAP matches ranks its newest RANKED_CANDIDATES
# matches only (as many as are counted: 42 pages of 24). Ranking reads each match's search
# document, so ranking them all grew with the catalogue: the 22k matches of "kopi bubuk" among
# a million products took 465-537 ms; the newest 1,000, 57 ms (PostgreSQL, bench/README.md).
RANKED_CANDIDATES = 1000
STORE_PER_PAGE = 12
# Up to this many stores the store filter is a list; beyond, it comes from the store page.
STORE_SELECT_MAX = 80
MAX_PRICE = 10**12

# The catalogue's sorts walk these indexes in order and stop after one page.
CATALOG_INDEXES = (
    Index("ix_products_catalog_newest", Product.listed, Product.approved_at),
    Index("ix_products_catalog_price", Product.listed, Product.price),
    Index("ix_products_catalog_name", Product.listed, Product.name),
    Index("ix_products_catalog_sold", Product.listed, Product.sold_count),
    Index("ix_products_catalog_store", Product.store_id, Product.listed, Product.approved_at),
)

SORTS = {
    "newest": (_l("Newest"), (Product.approved_at.desc(), Product.id.desc())),
    "price_asc": (_l("Price: low to high"), (Product.price.asc(), Product.id.asc())),
    "price_desc": (_l("Price: high to low"), (Product.price.desc(), Product.id.desc())),
    "name": (_l("Name (A–Z)"), (Product.name.asc(), Product.id.asc())),
    "best_selling": (_l("Best-selling"), (Product.sold_count.desc(), Product.id.desc())),
}
RELEVANCE = "relevance"
RELEVANCE_LABEL = _l("Most relevant")



def store_join():
    """ON clause joining a product's store. On SQLite the unary ``+`` keeps the planner
    from driving the query from ``stores`` (then sorting every product): it walks the
    sort index of ``products`` and stops after one page."""
    if db.engine.dialect.name == "sqlite":
        return db.text("stores.id = +products.store_id")
    return Store.id == Product.store_id


def buyer_visible(day: date):
    """THE condition for buyers (needs ``Store`` joined)."""
    return db.and_(Product.visible_condition(day), Store.status == "verified")


class CategoryTree:
    """Every category, loaded once per request: lookups by id and slug, children,
    descendants and the path to the root."""

    def __init__(self, categories):
        self.all = categories
        self.by_id = {c.id: c for c in categories}
        self.by_slug = {c.slug: c for c in categories}
        self.children: dict[int | None, list[Category]] = {}
        for c in categories:
            self.children.setdefault(c.parent_id, []).append(c)
        for kids in self.children.values():
            kids.sort(key=lambda c: (c.position, c.name_id))
        self.roots = self.children.get(None, [])

    def descendant_ids(self, category_id):
        ids, todo = [], [category_id]
        while todo:
            current = todo.pop()
            if current in ids:
                continue
            ids.append(current)
            todo.extend(c.id for c in self.children.get(current, []))
        return ids

    def path(self, category):
        trail, node, seen = [], category, set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            trail.append(node)
            node = self.by_id.get(node.parent_id)
        return list(reversed(trail))

    def flat(self):
        """(category, depth) in tree order, for a select box."""
        out = []

        def walk(parent_id, depth):
            for c in self.children.get(parent_id, []):
                out.append((c, depth))
                if depth < 5:
                    walk(c.id, depth + 1)

        walk(None, 0)
        return out


_TREES: dict = {}


def _detached_categories():
    """Every category as an object of no session (plain column values): safe to keep
    between requests, and never the same object as a category a request loads itself."""
    columns = list(Category.__table__.columns)
    rows = db.session.execute(select(*columns)).all()
    return [Category(**{c.key: value for c, value in zip(columns, row, strict=True)}) for row in rows]


def category_tree() -> CategoryTree:
    """The tree, once per request; between requests kept per process while the categories'
    version holds (``app.catalog.versions``) and for at most ``CATALOG_COUNT_TTL``."""
    tree = g.get("_category_tree")
    if tree is not None:
        return tree
    ttl = count_ttl_seconds()
    if not ttl:
        categories = db.session.execute(select(Category)).scalars().all()
        tree = g._category_tree = CategoryTree(categories)
        return tree
    import time

    from flask import current_app

    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], versions.local_versions(("categories",)))
    found = _TREES.get(key)
    now = time.monotonic()
    if found is None or found[0] < now:
        _TREES.clear()
        found = _TREES[key] = (now + ttl, CategoryTree(_detached_categories()))
    tree = g._category_tree = found[1]
    return tree


# ---------------------------------------------------------------- filters

@dataclass
class Filters:
    q: str = ""
    category: str = ""
    store: str = ""
    min_price: int | None = None
    max_price: int | None = None
    halal: bool = False
    in_stock: bool = False
    # Option values within the category: ((group, value), ...), sorted; a product matches
    # when one of its variants has, for every group given, one of its values.
    options: tuple = ()
    sort: str = ""
    page: int = 1
    # Where the page starts in the sort (``encode_cursor``): the page is read from there by
    # the sort's index (keyset) instead of skipping (page - 1) * per_page products.
    after: str = ""
    errors: dict = field(default_factory=dict)
    notices: list = field(default_factory=list)

    @property
    def active(self):
        return bool(self.q or self.category or self.store or self.min_price is not None
                    or self.max_price is not None or self.halal or self.in_stock or self.options)

    def has_option(self, group, value):
        return (group, value) in self.options

    def effective_sort(self):
        if self.sort in SORTS or (self.sort == RELEVANCE and self.q):
            return self.sort
        return RELEVANCE if search.query_terms(self.q) else "newest"

    def args(self, **changes):
        """URL arguments for these filters (only the ones set), with ``changes``."""
        f = replace(self, **{k: v for k, v in changes.items() if k in self.__dataclass_fields__})
        out: dict[str, str | int | list[str]] = {}
        if f.q:
            out["q"] = f.q
        if f.category:
            out["category"] = f.category
        if f.store:
            out["store"] = f.store
        if f.min_price is not None:
            out["min_price"] = f.min_price
        if f.max_price is not None:
            out["max_price"] = f.max_price
        if f.halal:
            out["halal"] = 1
        if f.in_stock:
            out["in_stock"] = 1
        if f.options and f.category:
            out["option"] = [f"{group}:{value}" for group, value in f.options]
        if f.sort and f.sort != "newest":
            out["sort"] = f.sort
        if f.page and f.page > 1:
            out["page"] = f.page
            if f.after and "page" not in changes:
                out["after"] = f.after
        if "after" in changes and changes["after"]:
            out["after"] = changes["after"]
        return out


def _price(raw, name, filters):
    """A price filter as people type it ("Rp 25.000", "25000"); unreadable is a message, never an error."""
    from flask_babel import gettext as _

    try:
        return parse_optional_rupiah(raw)
    except ParseError:
        filters.errors[name] = _("Enter the price as a whole number of rupiah, e.g. 25000.")
        return None


MAX_OPTION_FILTERS = 20


def _parse_options(args) -> tuple:
    """``option=Ukuran:M`` arguments (repeated) as sorted (group, value) pairs; unreadable
    ones are dropped (the page says nothing of a hand-made URL's junk)."""
    raw = args.getlist("option") if hasattr(args, "getlist") else ([args["option"]] if args.get("option") else [])
    pairs = set()
    for item in raw[:MAX_OPTION_FILTERS]:
        group, sep, value = str(item).partition(":")
        group, value = " ".join(group.split()), " ".join(value.split())
        if not sep or not group or not value or len(group) > 40 or len(value) > 40:
            continue
        if any(c in group + value for c in "|="):
            continue
        pairs.add((group, value))
    return tuple(sorted(pairs))


def option_condition(options, in_stock=False):
    """SQL: the product has a variant on sale with, for every group in ``options``, one of
    the values given (``|Ukuran=M|`` in its option key)."""
    from app.models import ProductVariant

    by_group: dict[str, list[str]] = {}
    for group, value in options:
        by_group.setdefault(group, []).append(value)
    conditions = [ProductVariant.product_id == Product.id, ProductVariant.retired.is_(False)]
    if in_stock:
        conditions.append(ProductVariant.stock > 0)
    for group, values in by_group.items():
        conditions.append(db.or_(*[ProductVariant.option_key.contains(f"|{group}={value}|", autoescape=True)
                                   for value in values]))
    return exists().where(*conditions)


def option_facets(category: Category, category_ids, day: date) -> list[tuple[str, list[str]]]:
    """[(group, [values])] offered as filters in ``category``: its option groups, with the
    values the variants on sale of its live products have (one query, cached briefly)."""
    from app.models import ProductVariant

    groups = list(category.option_groups or [])
    if not groups:
        return []

    def compute():
        rows = db.session.execute(
            select(ProductVariant.option_key, func.min(ProductVariant.position))
            .join(Product, Product.id == ProductVariant.product_id).join(Store, store_join())
            .where(buyer_visible(day), Product.category_id.in_(category_ids), ProductVariant.retired.is_(False),
                   ProductVariant.option_key != "")
            .group_by(ProductVariant.option_key).order_by(func.min(ProductVariant.position), ProductVariant.option_key)
        ).all()
        return [key for key, _position in rows]

    keys = cached_value(("option_facets", day, category.id), compute)
    values: dict[str, list[str]] = {g: [] for g in groups}
    for key in keys:
        for part in key.strip("|").split("|"):
            group, _sep, value = part.partition("=")
            if group in values and value not in values[group]:
                values[group].append(value)
    return [(g, v) for g, v in values.items() if v]


def parse_filters(args) -> Filters:
    """Read the catalogue's URL arguments; bad values become messages, never errors."""
    from flask_babel import gettext as _

    f = Filters()
    q = (args.get("q") or "").strip()
    if len(q) > search.MAX_QUERY_CHARS:
        q = q[: search.MAX_QUERY_CHARS]
        f.notices.append(_("Your search was shortened to its first %(n)d characters.", n=search.MAX_QUERY_CHARS))
    f.q = q
    f.category = (args.get("category") or "").strip()[:80]
    f.store = (args.get("store") or "").strip()[:80]
    f.min_price = _price(args.get("min_price"), "min_price", f)
    f.max_price = _price(args.get("max_price"), "max_price", f)
    if f.min_price is not None and f.max_price is not None and f.min_price > f.max_price:
        f.min_price, f.max_price = f.max_price, f.min_price
        f.notices.append(_("The lowest price was higher than the highest price, so we swapped them."))
    f.halal = args.get("halal") in ("1", "on", "true", "y")
    f.in_stock = args.get("in_stock") in ("1", "on", "true", "y")
    f.options = _parse_options(args)
    sort = (args.get("sort") or "").strip()
    f.sort = sort if sort in SORTS or sort == RELEVANCE else ""
    try:
        f.page = int(args.get("page", "1"))
    except ValueError:
        f.page = 1
    if f.page < 1 or f.page > 100_000:
        f.page = 1
    after = (args.get("after") or "").strip()
    f.after = after if f.page > 1 and len(after) <= 400 and decode_cursor(after, f.effective_sort()) else ""
    return f


# ---------------------------------------------------------------- keyset cursors

def _sort_column(sort):
    return {"newest": Product.approved_at, "price_asc": Product.price, "price_desc": Product.price,
            "name": Product.name, "best_selling": Product.sold_count}.get(sort)


def encode_cursor(sort, value, product_id) -> str:
    """The position after a card in ``sort``: URL-safe, read back by ``decode_cursor``."""
    import base64
    import json

    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, product_id], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor, sort):
    """(value, product id) of a cursor made for ``sort``, or None (another sort, a cursor
    edited by hand, anything unreadable: the page is then found by its number)."""
    import base64
    import binascii
    import json

    column = _sort_column(sort)
    if not cursor or column is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, product_id = json.loads(raw.decode("utf-8"))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if made_for != sort or not isinstance(product_id, int) or isinstance(product_id, bool) \
            or not 0 < product_id <= 2**31 - 1:
        return None
    if sort == "newest":
        try:
            value = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    elif sort == "name":
        value = value if isinstance(value, str) and len(value) <= 200 else None
    else:
        value = value if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 2**31 - 1 else None
    if value is None:
        return None
    return value, product_id


def _after_condition(sort, position):
    """Rows after ``position`` (value, id) in ``sort``: ties broken by id, as the sort is."""
    value, product_id = position
    column = _sort_column(sort)
    descending = sort in ("newest", "price_desc", "best_selling")
    if descending:
        return db.or_(column < value, db.and_(column == value, Product.id < product_id))
    return db.or_(column > value, db.and_(column == value, Product.id > product_id))


# ---------------------------------------------------------------- pages

class Page:
    """The bits of a page of results the ``pager`` macro reads."""

    def __init__(self, items, page, per_page, total):
        self._items = items
        self._load = None
        self.page = page
        self.per_page = per_page
        self.total = total
        self.pages = max(1, math.ceil(total / per_page)) if total else 0
        # More than COUNT_CAP matched: ``total`` is COUNT_CAP + 1, shown as "more than 1.000".
        self.capped = False
        self.cursor_sort = None  # a sort the next page can be read by keyset in

    @property
    def items(self):
        """The cards of this page, read on first use (a cached fragment never asks)."""
        if self._load is not None:
            self._items, self._load = self._load(), None
        return self._items

    @items.setter
    def items(self, value):
        self._items, self._load = value, None

    def load_items(self, load):
        self._load = load

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self):
        return self.page + 1 if self.has_next else None

    @property
    def first(self):
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self):
        if self.capped:
            return self.page * self.per_page - self.per_page + len(self.items)
        return min(self.total, self.page * self.per_page)

    def next_args(self, args):
        """The next page's URL arguments: ``args`` with the page number and, where the sort
        allows, the cursor after this page's last card (keyset: the next page is read from
        there instead of skipping every product before it)."""
        out = dict(args, page=self.next_num)
        items = self.items
        if self.cursor_sort and items and getattr(items[-1], "sort_key", None) is not None:
            out["after"] = encode_cursor(self.cursor_sort, items[-1].sort_key, items[-1].id)
        return out

    @property
    def shown_total(self):
        """The total as a page says it: the count, or COUNT_CAP when there are more."""
        return COUNT_CAP if self.capped else self.total

    def iter_pages(self, left_edge=1, left_current=2, right_current=2, right_edge=1):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current <= num <= self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


@dataclass
class Browse:
    filters: Filters
    page: Page
    category: Category | None = None
    store: Store | None = None
    problem: str = ""  # unknown_category, unknown_store, past_end, invalid
    terms: list = field(default_factory=list)
    # No product matched every word of the search, so these match some of them.
    partial: bool = False
    # The category's option filters: [(group, [values])].
    option_facets: list = field(default_factory=list)
    # A relevance search past COUNT_CAP: how many of its newest matches were ranked (else 0).
    ranked_newest: int = 0


class Card:
    """What a product card shows, read as plain columns (no ORM objects: a page of cards
    is one query, and cheap to build)."""

    __slots__ = ("id", "slug", "name", "price", "unit", "stock", "halal_until", "store", "cover",
                 "low_stock_threshold", "sort_key")

    def __init__(self, id, slug, name, price, unit, stock, halal_until, store_slug, store_name, cover_key,  # noqa: A002
                 low_stock_threshold=None, sort_key=None):
        self.sort_key = sort_key  # the value of the page's sort column (for the next page's cursor)
        self.id, self.slug, self.name, self.price, self.unit = id, slug, name, price, unit
        self.stock, self.halal_until, self.low_stock_threshold = stock, halal_until, low_stock_threshold
        self.store = Ref(name=store_name, slug=store_slug)
        self.cover = Ref(key=cover_key) if cover_key else None

    # The same display rules as the product's own (they read only stock, its threshold and
    # halal_until).
    stock_state = Product.stock_state
    stock_threshold = Product.stock_threshold
    is_halal_on = Product.is_halal_on


def _card_columns():
    cover = Product.cover_key_column()
    return (Product.id, Product.slug, Product.name, Product.price, Product.unit, Product.stock,
            Product.halal_until, Store.slug, Store.name, cover, Product.low_stock_threshold)


def visible_cards(day: date):
    return (select(*_card_columns()).select_from(Product).join(Store, store_join())
            .where(buyer_visible(day)))


def _cards(statement):
    return [Card(*row) for row in db.session.execute(statement)]


def _capped_count(statement):
    """How many rows ``statement`` (a SELECT of one column) has, counted up to COUNT_CAP + 1:
    the count stops there instead of walking every match."""
    limited = statement.limit(COUNT_CAP + 1).subquery("capped")
    return db.session.execute(select(func.count()).select_from(limited)).scalar_one()


def browse(filters: Filters, day: date, per_page: int = PER_PAGE, store: Store | None = None) -> Browse:
    """The live products matching ``filters``, one page of them, sorted. ``store``: the
    verified store of ``filters.store`` when the caller has already read it.

    The total is exact up to COUNT_CAP; past it the page says "more than 1.000" and a deep
    page is found by reading it (one row more than a page, to know whether another follows).
    Sorted by relevance past COUNT_CAP, only the newest RANKED_CANDIDATES matches are ranked
    (exactly), and the relevance pages end there; every other sort still reaches them all.
    The statements are built only when a count or the page's cards are read: on a cached
    count and a cached fragment, none is."""
    known_store = store
    tree = category_tree()
    result = Browse(filters=filters, page=Page([], filters.page, per_page, 0))
    category_ids = None
    chosen_options: tuple = ()  # (option, value) pairs of the category's options
    if filters.category:
        category = tree.by_slug.get(filters.category)
        if category is None:
            result.problem = "unknown_category"
            return result
        result.category = category
        category_ids = tree.descendant_ids(category.id)
        result.option_facets = option_facets(category, category_ids, day)
        if filters.options:
            offered = {g for g, _values in result.option_facets}
            chosen_options = tuple(pair for pair in filters.options if pair[0] in offered)
    if filters.store:
        store = known_store if known_store is not None and known_store.slug == filters.store else db.session.execute(
            select(Store).where(Store.slug == filters.store, Store.status == "verified")).scalar_one_or_none()
        if store is None:
            result.problem = "unknown_store"
            return result
        result.store = store
    store_id = result.store.id if result.store else None

    def conditions():
        where = [buyer_visible(day)]
        if category_ids is not None:
            where.append(Product.category_id.in_(category_ids))
        if store_id is not None:
            where.append(Product.store_id == store_id)
        if filters.min_price is not None:
            where.append(Product.price >= filters.min_price)
        if filters.max_price is not None:
            where.append(Product.price <= filters.max_price)
        if filters.halal:
            where.append(Product.halal_until >= day)
        if filters.in_stock:
            where.append(Product.stock > 0)
        if chosen_options:
            where.append(option_condition(chosen_options, filters.in_stock))
        return where

    terms = search.query_terms(filters.q)
    result.terms = terms
    every = [True]  # False once the search falls back to products with some of the words

    def matches(newest=None):
        return search.match_subquery(db.session.get_bind(), terms, every=every[0], newest=newest) if terms else None

    def base(statement, found=None):
        statement = statement.select_from(Product).join(Store, store_join())
        if found is not None:
            statement = statement.join(found, found.c.product_id == Product.id)
        return statement.where(*conditions())

    sort = filters.effective_sort()
    position = decode_cursor(filters.after, sort) if filters.after else None
    read_with_count: dict = {}  # the page's cards, when the count read them too (ranked_count)

    def ranked_count():
        """The search box alone, by relevance, on one of the ranked pages: the count and the
        page's cards from one read of the newest COUNT_CAP + 1 (or RANKED_CANDIDATES) matches, where two statements
        each read them (at a million products, 23 ms each for "kopi bubuk"). The count is
        the buyers' matches among them, the ranking that of ``cards()``: all of them when
        COUNT_CAP or fewer matched, else only the newest RANKED_CANDIDATES (the others sort
        after every ranked one, past this page). None when the read cannot tell (no card on
        this page, or hidden products among the newest): ``count()`` counts as before."""
        newest = matches(newest=max(COUNT_CAP + 1, RANKED_CANDIDATES))
        candidates = select(newest.c.product_id, newest.c.score, func.count().over().label("read"),
                            func.row_number().over(order_by=newest.c.product_id.desc()).label("recency")
                            ).subquery("candidates")
        unranked = case((db.and_(candidates.c.read > COUNT_CAP, candidates.c.recency > RANKED_CANDIDATES), 1),
                        else_=0)
        ranked = (base(select(Product.id.label("id"), candidates.c.score, unranked.label("unranked"),
                              func.count().over().label("visible"), candidates.c.read), candidates)
                  .order_by(unranked, candidates.c.score.desc(), Product.id.desc())
                  .limit(per_page).offset((filters.page - 1) * per_page).subquery("ranked"))
        rows = db.session.execute(
            select(*_card_columns(), ranked.c.visible, ranked.c.read).select_from(Product)
            .join(Store, store_join()).join(ranked, ranked.c.id == Product.id)
            .order_by(ranked.c.unranked, ranked.c.score.desc(), Product.id.desc())).all()
        if not rows:
            return None
        visible, read = rows[0][-2:]
        if not (visible > COUNT_CAP or read <= COUNT_CAP):
            return None
        read_with_count.update(every=every[0], cards=[Card(*row[:-2]) for row in rows])
        return int(visible)

    def count():
        if not terms or len(conditions()) > 1:  # a filter besides what buyers may see
            return _capped_count(base(select(Product.id), matches()))
        if sort == RELEVANCE and position is None and filters.page * per_page <= RANKED_CANDIDATES:
            total = ranked_count()
            if total is not None:
                return total
        # The search box alone counts its newest COUNT_CAP + 1 matches in the index first, and
        # those of them buyers see: the index is read newest first and stops there, where
        # counting "kopi bubuk" among a million products the usual way built the index bitmap of
        # all 22k matches (70 ms) before any limit applied. The same total, from a bounded read,
        # unless the newest matches hold hidden ones (drafts, unverified stores): then all of
        # them are counted. (With filters, most of the newest matches would be outside them.)
        newest = matches(newest=COUNT_CAP + 1)
        shown = func.coalesce(func.sum(case((db.and_(*conditions()), 1), else_=0)), 0)
        read, visible = db.session.execute(
            select(func.count(), shown).select_from(newest)
            .join(Product, Product.id == newest.c.product_id).join(Store, store_join())).one()
        if visible > COUNT_CAP or read <= COUNT_CAP:
            return int(visible)
        return _capped_count(base(select(Product.id), matches()))

    if filters.q and not terms:
        total = 0  # only punctuation: nothing to look for
    else:
        key = (day, filters.category, store_id, filters.min_price,
               filters.max_price, filters.halal, filters.in_stock, tuple(terms), chosen_options, COUNT_CAP)
        total = cached_value(key, count)
        if not total and len(terms) > 1:
            # Nothing has every word (with these filters): show what has some, most words first.
            every[0] = False
            total = cached_value(key + ("some",), count)
            result.partial = bool(total)
    capped = total > COUNT_CAP
    page = Page([], filters.page, per_page, min(total, COUNT_CAP + 1))
    page.capped = capped
    result.page = page
    if not total:
        return result
    if not capped and filters.page > page.pages:
        result.problem = "past_end"
        return result

    def cards(extra=0):
        if not extra and read_with_count.get("every") == every[0] and "cards" in read_with_count:
            return read_with_count.pop("cards")
        found = matches(newest=result.ranked_newest or None)
        column = _sort_column(sort)
        columns = [*_card_columns()]
        if sort == RELEVANCE and found is not None:
            order = (found.c.score.desc(), Product.id.desc())
        else:
            order = SORTS.get(sort, SORTS["newest"])[1]
            columns.append((column if column is not None else Product.approved_at).label("sort_key"))
        statement = base(select(*columns), found).order_by(*order).limit(per_page + extra)
        if position is not None:
            statement = statement.where(_after_condition(sort, position))  # keyset: no rows skipped
        else:
            statement = statement.offset((filters.page - 1) * per_page)
        return _cards(statement)

    page.cursor_sort = sort if _sort_column(sort) is not None else None
    result.ranked_newest = RANKED_CANDIDATES if capped and sort == RELEVANCE and terms else 0
    if capped and filters.page * per_page > COUNT_CAP:
        # Past what was counted: read the page (and one more row) to know where the results end.
        rows = cards(extra=1)
        if not rows:
            result.problem = "past_end"
            page.pages = filters.page - 1
            return result
        page.items = rows[:per_page]
        page.pages = filters.page + (1 if len(rows) > per_page else 0)
        return result
    page.load_items(cards)
    return result


def visible_products(day: date):
    return select(Product).join(Store, store_join()).where(buyer_visible(day))


@functools.lru_cache(maxsize=4)  # a few days' (yesterday's goes) on each kind of database
def _product_statement(dialect: str, day: date):
    """Built once per database kind and day (building it cost the product page about as much
    as running it); the slug is bound at each call."""
    return (
        visible_products(day).where(Product.slug == db.bindparam("slug"))
        .options(contains_eager(Product.store), joinedload(Product.category), selectinload(Product.variants))
    )  # the photos load when the page's cached fragments are rendered (a hit reads none)


def get_product(slug: str, day: date):
    """The live product with this slug, with what its page shows, or None."""
    return db.session.execute(_product_statement(db.engine.dialect.name, day),
                              {"slug": slug}).unique().scalar_one_or_none()


def valid_documents(store: Store, day: date):
    """The store's documents that are valid today (kind and dates only are shown)."""
    statement = (
        select(BusinessDocument)
        .where(BusinessDocument.store_id == store.id, BusinessDocument.status == "valid",
               db.or_(BusinessDocument.expires_on.is_(None), BusinessDocument.expires_on >= day))
        .order_by(BusinessDocument.kind, BusinessDocument.expires_on)
    )
    return db.session.execute(statement).scalars().all()


def related_products(product: Product, day: date, limit: int = 4):
    """Other live products of the same category, best-selling first."""
    return _cards(
        visible_cards(day)
        .where(Product.category_id == product.category_id, Product.id != product.id)
        .order_by(Product.sold_count.desc(), Product.id.desc())
        .limit(limit)
    )


def get_store(slug: str):
    """A verified store by slug, or None (pending, suspended and unknown stores are not shown)."""
    return db.session.execute(
        select(Store).where(Store.slug == slug, Store.status == "verified")).scalar_one_or_none()


def home_sections(day: date, limit: int = 8, stores: int = 4):
    """Featured and newest live products, top-level categories and a few stores."""
    featured = _cards(
        visible_cards(day).where(Product.featured.is_(True))
        .order_by(Product.approved_at.desc(), Product.id.desc()).limit(limit))
    newest = _cards(visible_cards(day).order_by(Product.approved_at.desc(), Product.id.desc()).limit(limit))
    has_live = exists(
        select(Product.id).where(Product.store_id == Store.id, Product.visible_condition(day)))
    store_rows = db.session.execute(
        select(Store).where(Store.status == "verified", has_live)
        .order_by(Store.verified_at.desc(), Store.id.desc()).limit(stores)
    ).scalars().all()
    return {"featured": featured, "newest": newest, "categories": category_tree().roots, "stores": store_rows}


def store_options(day: date):
    """(slug, name) of the verified stores with live products, for the store filter."""
    def compute():
        has_live = exists(select(Product.id).where(Product.store_id == Store.id, Product.visible_condition(day)))
        return db.session.execute(
            select(Store.slug, Store.name).where(Store.status == "verified", has_live).order_by(Store.name)
        ).all()

    return cached_value(("store_options", day), compute)


def sitemap_entries(day: date):
    products = db.session.execute(
        select(Product.slug, Product.updated_at).join(Store, store_join())
        .where(buyer_visible(day)).order_by(Product.id)
    ).all()
    stores = db.session.execute(
        select(Store.slug, Store.updated_at).where(Store.status == "verified").order_by(Store.id)
    ).all()
    return products, stores


def cover_key(product) -> str | None:
    cover = product.cover
    return cover.key if cover is not None else None

