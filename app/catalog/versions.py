"""What changed, as version numbers: each cached page, fragment or count names the versions
it shows, and a commit bumps only the versions of the rows it wrote.

Names:

- ``product:<id>``, ``store:<id>``: one product (its detail, photos, reviews), one store
  (its header, its documents);
- ``products``, ``stores``: every product / store at once, for a write whose rows are not
  known (a raw ``UPDATE products ... WHERE ...`` whose id cannot be read from the statement);
- ``categories``: the category tree;
- ``catalogue``: anything that can change a list of products (a grid of a query, its count,
  the facets): any product, photo, store, document or category written;
- ``pages``: the whole pages kept for visitors who are not logged in (they show reviews too).

Rows that buyers do not see in the catalogue (carts, orders, messages, notifications,
sessions, the audit log) bump nothing, so a buyer's add-to-cart leaves every cached page
and fragment in place. ``WATCHED`` says which table bumps what; a feature whose table shows
on a product page (variants, questions) adds itself with ``watch_table``.

Without ``REDIS_URL`` the numbers live in this process (other workers catch up within the
cache's TTL); with it they are Redis keys ``<CACHE_KEY_PREFIX>:v:<name>``, read together
with the cached value in one ``MGET`` and bumped by ``INCR`` after the commit, so a commit in
any process drops what shows its rows in every process at once.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, TextClause
from sqlalchemy.sql.operators import eq

log = logging.getLogger(__name__)

_local: dict[str, int] = {}
_lock = threading.Lock()

# table -> (column naming the product or store the row belongs to, kind, also bump "catalogue")
WATCHED: dict[str, tuple[str, str, bool]] = {
    "products": ("id", "product", True),
    "product_images": ("product_id", "product", True),
    "product_reviews": ("product_id", "product", False),
    "stores": ("id", "store", True),
    "business_documents": ("store_id", "store", True),
    "categories": ("id", "categories", True),
    # A variant's stock, price and options show on its product's page and in the option facets.
    "product_variants": ("product_id", "product", True),
    # The store's rating by departments shows beside its name on its products' pages.
    "store_ratings": ("store_id", "store", False),
}
_PLURAL = {"product": "products", "store": "stores", "categories": "categories"}
_TEXT_WRITE = re.compile(r"^\s*(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+\"?(\w+)\"?", re.I)
_TEXT_WHERE_ID = re.compile(r"\bWHERE\s+(\w+)\s*=\s*:(\w+)\s*$", re.I)


def watch_table(table, column, kind="product", catalogue=True):
    """Rows of ``table`` show on the page of the product (``kind="product"``) or store named
    by ``column``; ``catalogue``: they show in product lists too (a grid, a count)."""
    WATCHED[table] = (column, kind, catalogue)


# ---------------------------------------------------------------- reading and bumping

def _redis():
    if not has_app_context() or not current_app.config.get("REDIS_URL"):
        return None
    from app.jobs import redis_connection

    return redis_connection()


def key_of(name) -> str:
    from app.catalog.cache import cache_prefix

    return f"{cache_prefix()}:v:{name}"


#: The names that are not one row's: a signed-in request reads them (with Redis) in the same
#: MGET as the user's own counters (``app.services.signed_in_cache.tag_now``) and keeps them
#: for the request (``remember``), so its page and its bar need no round trip of their own to
#: learn them. ``layout`` (the bar's fragment) is bumped by nothing: it ends with its TTL.
GLOBAL = ("catalogue", "pages", "products", "stores", "categories", "layout")


def remember(names, numbers):
    """The Redis versions of ``names`` as read at the start of this request."""
    if has_request_context():
        g.pkb_versions = dict(zip(names, (int(v or 0) for v in numbers), strict=True))


def known(names: Iterable[str]) -> tuple[int, ...] | None:
    """The versions of ``names`` read earlier in this request, if all of them were; None
    otherwise. A commit of this process forgets them (``bump``): what it wrote shows at once."""
    if not has_request_context():
        return None
    memo = g.get("pkb_versions")
    if not memo:
        return None
    try:
        return tuple(memo[name] for name in names)
    except KeyError:
        return None


def local_versions(names: Iterable[str]) -> tuple[int, ...]:
    return tuple(_local.get(name, 0) for name in names)


def current(names: Iterable[str]) -> tuple[int, ...]:
    """The versions of ``names`` now (Redis when shared; 0 for a name never bumped)."""
    names = list(names)
    conn = _redis()
    if conn is None:
        return local_versions(names)
    try:
        return tuple(int(v or 0) for v in conn.mget([key_of(n) for n in names]))
    except Exception:  # noqa: BLE001 - Redis down: the caches compute
        log.warning("catalogue versions: Redis unreachable", exc_info=True)
        return local_versions(names)


def bump(names: Iterable[str]):
    """Something these versions name changed (after a commit)."""
    names = sorted(set(names))
    if not names:
        return
    if has_request_context():
        g.pop("pkb_versions", None)
    with _lock:
        for name in names:
            _local[name] = _local.get(name, 0) + 1
    conn = _redis()
    if conn is None:
        return
    try:
        pipe = conn.pipeline(transaction=False)
        for name in names:
            pipe.incr(key_of(name))
        pipe.execute()
    except Exception:  # noqa: BLE001 - the commit is done; other processes catch up within the TTL
        log.exception("could not bump the shared catalogue versions")


def of_product(product) -> tuple[str, ...]:
    """What a product's own fragments show: the product, its store, the category tree."""
    return ("products", f"product:{product.id}", "stores", f"store:{product.store_id}", "categories")


def of_store(store) -> tuple[str, ...]:
    return ("stores", f"store:{store.id}")


def depends(parts) -> tuple[str, ...]:
    """Version names for a fragment: strings as they are, a product or store by its rows."""
    names: list[str] = []
    for part in parts or ("catalogue",):
        table = getattr(getattr(part, "__table__", None), "name", None)
        if table == "products":
            names.extend(of_product(part))
        elif table == "stores":
            names.extend(of_store(part))
        else:
            names.append(str(part))
    return tuple(dict.fromkeys(names))


# ---------------------------------------------------------------- what a commit changed

def _names_for(table, key_value):
    rule = WATCHED.get(table)
    if rule is None:
        return ()
    _column, kind, catalogue = rule
    names = ["catalogue"] if catalogue else []
    names.append("pages")
    if kind == "categories":
        names.append("categories")
    elif key_value is None:
        names.append(_PLURAL[kind])
    else:
        names.append(f"{kind}:{key_value}")
    return names


def _pending(session) -> set:
    return session.info.setdefault("catalogue_versions", set())


def _after_flush(session, flush_context):
    for group, modified_only in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for obj in group:
            table = str(getattr(getattr(obj, "__table__", None), "name", ""))
            rule = WATCHED.get(table)
            if rule is None or (modified_only and not session.is_modified(obj, include_collections=False)):
                continue
            _pending(session).update(_names_for(table, getattr(obj, rule[0], None)))


def _id_in_where(statement, column, params):
    """The value compared with ``column`` by ``=`` in the statement's WHERE, or None."""
    where = getattr(statement, "whereclause", None)
    if where is None:
        return None
    for node in visitors.iterate(where):
        if isinstance(node, BinaryExpression) and node.operator is eq \
                and getattr(node.left, "name", None) == column and isinstance(node.right, BindParameter):
            value = node.right.value
            if value is None and params:
                value = params.get(node.right.key)
            return value
    return None


def written(state, key_column):
    """For a statement run through ``session.execute``: (the table it writes, the value
    compared by ``=`` in its WHERE with that table's ``key_column(table)``, or None when
    that cannot be told or for an INSERT); ("", None) for a read or a table that
    ``key_column`` does not name (returns None). Used by the catalogue versions and the
    signed-in cache (``app.services.signed_in_cache``)."""
    statement = state.statement
    if isinstance(statement, TextClause):
        match = _TEXT_WRITE.match(statement.text)
        table = match.group(1).lower() if match else ""
        column = key_column(table) if table else None
        if column is None:
            return "", None
        where = _TEXT_WHERE_ID.search(statement.text)
        params = state.parameters if isinstance(state.parameters, dict) else {}
        if where is not None and where.group(1).lower() == column and where.group(2) in params:
            return table, params[where.group(2)]
        return table, None
    if state.is_update or state.is_delete or state.is_insert:
        table = str(getattr(getattr(statement, "table", None), "name", ""))
        column = key_column(table)
        if column is None:
            return "", None
        return table, (None if state.is_insert else _id_in_where(statement, column, state.parameters))
    return "", None


def _key_column(table):
    rule = WATCHED.get(table)
    return rule[0] if rule is not None else None


def _do_orm_execute(state):
    """Writes through ``session.execute`` (a guarded UPDATE of the stock, a raw SQL text)."""
    table, key_value = written(state, _key_column)
    if table:
        _pending(state.session).update(_names_for(table, key_value))


def _after_commit(session):
    names = session.info.pop("catalogue_versions", None)
    if names:
        bump(names)


def _after_rollback(session):
    session.info.pop("catalogue_versions", None)


_registered = False


def listen_to_commits(after_flush, do_orm_execute, after_commit, after_rollback=None):
    """Hook a tracker of what commits write onto every session of the app: the rows of each
    flush, the statements run through ``session.execute``, the commit (and the rollback)."""
    from flask_sqlalchemy.session import Session

    event.listen(Session, "after_flush", after_flush)
    event.listen(Session, "do_orm_execute", do_orm_execute)
    event.listen(Session, "after_commit", after_commit)
    if after_rollback is not None:
        event.listen(Session, "after_rollback", after_rollback)


def register():
    global _registered
    if _registered:
        return
    listen_to_commits(_after_flush, _do_orm_execute, _after_commit, _after_rollback)
    _registered = True
