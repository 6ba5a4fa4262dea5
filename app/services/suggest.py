"""Search as you type: a few products, stores and categories for what is typed so far.

Rules kept here: the query is read by services.search (the same analysis, Indonesian stems,
every word also a prefix from ``MIN_PREFIX_CHARS`` letters on, numbers whole); products come
from the search index (``match_subquery``, every word), only those buyers may see, best
first; stores (verified) and categories match on their names by the same terms. Nothing
typed reaches SQL as text: the index takes the expressions services.search builds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.extensions import db
from app.models import Product, Store
from app.services import search

MAX_PRODUCTS = 6
MAX_STORES = 3
MAX_CATEGORIES = 3


@dataclass
class Suggestions:
    products: list = field(default_factory=list)  # (name, slug, price)
    stores: list = field(default_factory=list)  # (name, slug)
    categories: list = field(default_factory=list)  # Category rows

    @property
    def count(self) -> int:
        return len(self.products) + len(self.stores) + len(self.categories)


NAMES_TTL = 60.0  # seconds a process keeps the analysed store names (a commit here drops them at once)
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


def suggest(query: str, day: date, locale: str = "id") -> Suggestions:
    from app.services.catalog import buyer_visible, category_tree, store_join

    found = Suggestions()
    terms = search.query_terms(query)
    if not terms:
        return found
    matches = search.match_subquery(db.session.get_bind(), terms)
    if matches is not None:
        found.products = [tuple(row) for row in db.session.execute(
            db.select(Product.name, Product.slug, Product.price)
            .select_from(Product).join(Store, store_join()).join(matches, matches.c.product_id == Product.id)
            .where(buyer_visible(day))
            .order_by(matches.c.score.desc(), Product.id.desc()).limit(MAX_PRODUCTS))]
    found.stores = [(name, slug) for name, slug, words in _verified_stores() if name_matches(terms, words)][:MAX_STORES]
    tree = category_tree()
    found.categories = [c for c, _depth in tree.flat() if name_matches(terms, c.name_for(locale))
                        or name_matches(terms, c.name_id)][:MAX_CATEGORIES]
    return found


def _verified_stores():
    """(name, slug, analysed name) of the verified stores, kept per process for NAMES_TTL
    seconds and until the next commit in this process (the catalogue cache's generation)."""
    import time

    from app.catalog.cache import current_generation

    key = current_generation()
    hit = _names.get("stores")
    now = time.monotonic()
    if hit is not None and hit[0] == key and hit[1] > now:
        return hit[2]
    rows = db.session.execute(
        db.select(Store.name, Store.slug).where(Store.status == "verified").order_by(Store.name)).all()
    value = [(name, slug, analysed(name)) for name, slug in rows]
    _names["stores"] = (key, now + NAMES_TTL, value)
    return value
