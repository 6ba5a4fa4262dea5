"""Search as you type: a few products, stores and categories for what is typed so far.

Rules kept here: the query is read by services.search (the same analysis, Indonesian stems,
every word also a prefix from ``MIN_PREFIX_CHARS`` letters on, numbers whole); products come
from the search index (``match_subquery``, every word), only those buyers may see, best
first; stores (verified) and categories match on their names by the same terms. Nothing
typed reaches SQL as text: the index takes the expressions services.search builds.

Why it is fast (it answers every key a buyer types):

- the answer is cached per (terms, language, day) and the catalogue's version
  (``app.catalog.versions``: any product, store, document or category written drops it), for
  ``SUGGEST_CACHE_SECONDS``: a hit runs no SQL statement. Kept by ``cache.cached_value`` as
  the catalogue's counts are: without ``REDIS_URL`` per process (other workers catch up within
  the TTL), with it in Redis, read with the version in one MGET;
- on a miss, one statement: the index ranks its matches and hands over only the best
  ``CANDIDATES`` (``match_subquery(best=…)``), which are joined to the products for the
  visibility rule and the three columns shown; only when fewer than ``MAX_PRODUCTS`` of them
  are visible does a second statement rank every match (the same result, as the order is
  the same);
- stores and categories are tiny tables: their analysed names are kept per process as an
  index of stems and words (per catalogue version, at most ``NAMES_TTL``), so matching them
  is a few set lookups, not a pass over every name.
"""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from datetime import date

from app.extensions import db
from app.models import Product, Store
from app.services import search

MAX_PRODUCTS = 6
MAX_STORES = 3
MAX_CATEGORIES = 3
CANDIDATES = 48  # the best matches the index hands over; a miss reads every match only if too few are visible
CACHE_VERSIONS = ("catalogue",)
MAX_CACHED = 4000  # answers kept per process (without Redis)


@dataclass
class Suggestions:
    products: list = field(default_factory=list)  # (name, slug, price)
    stores: list = field(default_factory=list)  # (name, slug)
    categories: list = field(default_factory=list)  # (name in the reader's language, slug)

    @property
    def count(self) -> int:
        return len(self.products) + len(self.stores) + len(self.categories)


NAMES_TTL = 60.0  # seconds a process keeps the analysed store and category names (a commit here drops them at once)
_names: dict = {}


def analysed(name: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The words of a name as services.search reads them, and their stems."""
    words = tuple(search.words(name))
    return words, frozenset(search.stem(w) for w in words)


def name_matches(terms, name) -> bool:
    """Every term is a word of ``name`` (by its stem) or, for a prefix term, begins one.
    ``name`` is a text or what ``analysed`` made of one."""
    words, stems = analysed(name) if isinstance(name, str) else name
    for term in terms:
        if term.stem in stems:
            continue
        if term.prefix and any(w.startswith(term.word) for w in words):
            continue
        return False
    return True


class NameIndex:
    """``name_matches`` over many names at once: entries (in the order shown), each with
    one or more names; an entry matches when one of its names matches every term."""

    def __init__(self, entries):
        self.entries: list = []
        self._owner: list[int] = []  # name number -> entry number
        self._by_stem: dict[str, set[int]] = {}
        self._by_word: dict[str, set[int]] = {}
        for value, names in entries:
            self.entries.append(value)
            for name in dict.fromkeys(names):
                number = len(self._owner)
                self._owner.append(len(self.entries) - 1)
                words, stems = analysed(name)
                for stem in stems:
                    self._by_stem.setdefault(stem, set()).add(number)
                for word in words:
                    self._by_word.setdefault(word, set()).add(number)
        self._words = sorted(self._by_word)

    def _names_with(self, term) -> set[int]:
        found = set(self._by_stem.get(term.stem, ()))
        if term.prefix:
            at = bisect.bisect_left(self._words, term.word)
            while at < len(self._words) and self._words[at].startswith(term.word):
                found |= self._by_word[self._words[at]]
                at += 1
        return found

    def matching(self, terms, limit):
        names = None
        for term in terms:
            names = self._names_with(term) if names is None else names & self._names_with(term)
            if not names:
                return []
        owners = sorted({self._owner[n] for n in names or ()})
        return [self.entries[n] for n in owners[:limit]]


def cache_seconds() -> float:
    """``SUGGEST_CACHE_SECONDS``: 30 by default, off in tests unless set."""
    from flask import current_app

    value = current_app.config.get("SUGGEST_CACHE_SECONDS")
    if value is None:
        return 0.0 if current_app.testing else 30.0
    return float(value)


def suggest(query: str, day: date, locale: str = "id") -> Suggestions:
    terms = search.query_terms(query)
    if not terms:
        return Suggestions()
    ttl = cache_seconds()
    if not ttl:
        return _compute(terms, day, locale)
    from app.catalog import cache

    def compute():
        found = _compute(terms, day, locale)
        return [found.products, found.stores, found.categories]

    products, stores, categories = cache.cached_value(
        (tuple(terms), str(locale), day.isoformat()), compute, ttl=ttl, names=CACHE_VERSIONS, kind="suggest",
        limit=MAX_CACHED)
    # Tuples again: from Redis the rows come back as JSON lists.
    return Suggestions([tuple(p) for p in products], [tuple(s) for s in stores], [tuple(c) for c in categories])


def _compute(terms, day: date, locale: str) -> Suggestions:
    found = Suggestions()
    found.products = _products(terms, day)
    stores, categories = _name_indexes(locale)
    found.stores = stores.matching(terms, MAX_STORES)
    found.categories = categories.matching(terms, MAX_CATEGORIES)
    return found


def _products(terms, day: date) -> list:
    from app.services.catalog import buyer_visible, store_join

    bind = db.session.get_bind()

    def best(matches):
        return [(name, slug, price) for name, slug, price in db.session.execute(
            db.select(Product.name, Product.slug, Product.price)
            .select_from(Product).join(Store, store_join()).join(matches, matches.c.product_id == Product.id)
            .where(buyer_visible(day))
            .order_by(matches.c.score.desc(), Product.id.desc()).limit(MAX_PRODUCTS))]

    rows = best(search.match_subquery(bind, terms, best=CANDIDATES))
    if len(rows) < MAX_PRODUCTS:
        # Too few of the best are visible (or there are few matches): rank them all.
        rows = best(search.match_subquery(bind, terms))
    return rows


def _name_indexes(locale: str) -> tuple[NameIndex, NameIndex]:
    """The verified stores' and the categories' names as indexes, kept per process for
    NAMES_TTL seconds and while the catalogue's version in this process holds."""
    from flask import current_app

    from app.catalog import versions
    from app.services.catalog import category_tree

    key = (current_app.config.get("SQLALCHEMY_DATABASE_URI"), versions.local_versions(CACHE_VERSIONS), str(locale))
    now = time.monotonic()
    hit = _names.get(str(locale))
    if hit is not None and hit[0] == key and hit[1] > now:
        return hit[2]
    rows = db.session.execute(
        db.select(Store.name, Store.slug).where(Store.status == "verified").order_by(Store.name)).all()
    stores = NameIndex(((name, slug), (name,)) for name, slug in rows)
    categories = NameIndex(((c.name_for(locale), c.slug), (c.name_for(locale), c.name_id))
                           for c, _depth in category_tree().flat())
    value = (stores, categories)
    _names[str(locale)] = (key, now + NAMES_TTL, value)
    return value
