"""Indonesian-aware product search, kept in step with the products.

Rules kept here:
- the indexed text and the query go through the same ``analyse``: accents stripped
  (NFKD), lower case, words of letters and digits only, each word stemmed by Sastrawi
  (``minuman`` -> ``minum``, ``kerajinan`` -> ``rajin``); so no user input ever reaches
  the full-text syntax of the database (quotes, ``*``, ``NEAR(``, ``OR``, ``-`` are
  just word separators);
- one row per product in ``product_search`` (SQLite: an FTS5 table ranked by bm25;
  PostgreSQL: a tsvector with a GIN index over pre-stemmed text, 'simple' config,
  ranked by ts_rank). The table is not a model: migrations 0004 create it, and
  ``db.create_all`` creates it too (an ``after_create`` hook) so tests agree with them;
- after every commit that changed a product's name, description, category or store,
  a store's name or a category's names, the affected rows are rebuilt in a fresh
  transaction (session events), so no service has to remember to do it;
  ``flask search reindex`` rebuilds everything.
"""
from __future__ import annotations

import functools
import logging
import re
import unicodedata

from sqlalchemy import event, text

log = logging.getLogger(__name__)

# Tables (and their indexes, FTS5 shadow tables) that are not models: Alembic's
# autogenerate and the migrations test leave them alone.
SEARCH_TABLES = "product_search"

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"[0-9a-z]+")


def is_search_table(name) -> bool:
    return bool(name) and str(name).startswith(SEARCH_TABLES)


def include_name(name, type_, parent_names):
    """Alembic filter (reflection side): skip the search tables."""
    if type_ == "table":
        return not is_search_table(name)
    if type_ in ("index", "unique_constraint", "foreign_key_constraint", "column"):
        return not is_search_table((parent_names or {}).get("table_name")) and not (
            type_ == "index" and is_search_table(name))
    return True


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic filter (comparison side): skip the search tables and their indexes."""
    if type_ == "table":
        return not is_search_table(name)
    table = getattr(obj, "table", None)
    if table is not None and is_search_table(getattr(table, "name", None)):
        return False
    if type_ == "index" and is_search_table(name):
        return False
    return True


# ---------------------------------------------------------------- text analysis

@functools.lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Sastrawi stem of one lower-case word (slow, hence cached per word)."""
    if not word.isalpha() or len(word) < 4:
        return word
    return _stemmer().stem(word) or word


def fold(value: str) -> str:
    """Lower case without accents: ``Kafé`` -> ``kafe``."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(value: str) -> list[str]:
    return _WORD.findall(fold(value))


def analyse(value: str) -> str:
    """Stemmed words, separated by spaces: what is indexed and what is searched."""
    return " ".join(stem(w) for w in words(value))


def query_terms(query: str) -> list[str]:
    """The stemmed, de-duplicated terms of a buyer's query (bounded in size)."""
    terms = []
    for word in words((query or "")[:MAX_QUERY_CHARS]):
        term = stem(word)
        if term not in terms:
            terms.append(term)
        if len(terms) >= MAX_QUERY_WORDS:
            break
    return terms


# ---------------------------------------------------------------- the table

def dialect_of(bind) -> str:
    return bind.dialect.name


SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_search USING fts5("
    "product_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')",
]
POSTGRES_DDL = [
    "CREATE TABLE IF NOT EXISTS product_search ("
    "product_id INTEGER PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS product_search_document_gin ON product_search USING gin (document)",
]


def create_search_tables(connection):
    for statement in (POSTGRES_DDL if dialect_of(connection) == "postgresql" else SQLITE_DDL):
        connection.execute(text(statement))


def drop_search_tables(connection):
    connection.execute(text("DROP TABLE IF EXISTS product_search"))


def search_table_exists(connection) -> bool:
    from sqlalchemy import inspect

    return "product_search" in inspect(connection).get_table_names()


def ensure_search_tables(engine):
    """Create the search table when it is missing, and fill it when it is empty while
    products exist (a database migrated before 0004, or made by ``create_all``)."""
    with engine.begin() as conn:
        if not search_table_exists(conn):
            create_search_tables(conn)
        has_rows = conn.execute(text("SELECT 1 FROM product_search LIMIT 1")).first()
        has_products = conn.execute(text("SELECT 1 FROM products LIMIT 1")).first()
        if has_products and not has_rows:
            rebuild(conn)


# ---------------------------------------------------------------- documents

def _document_rows(conn, product_ids=None, store_ids=None, category_ids=None):
    """(product_id, title, body) for the products named (all when no filter)."""
    from app.models import Category, Product, Store

    parent = Category.__table__.alias("parent")
    cat = Category.__table__
    from sqlalchemy import or_, select

    query = (
        select(Product.id, Product.name, Product.description, Store.name, cat.c.name_id, cat.c.name_en,
               parent.c.name_id, parent.c.name_en)
        .select_from(Product.__table__)
        .join(Store.__table__, Store.id == Product.store_id)
        .join(cat, cat.c.id == Product.category_id)
        .outerjoin(parent, parent.c.id == cat.c.parent_id)
    )
    conditions = []
    if product_ids:
        conditions.append(Product.id.in_(list(product_ids)))
    if store_ids:
        conditions.append(Product.store_id.in_(list(store_ids)))
    if category_ids:
        conditions.append(Product.category_id.in_(list(category_ids)))
        conditions.append(cat.c.parent_id.in_(list(category_ids)))
    if product_ids is not None or store_ids is not None or category_ids is not None:
        if not conditions:
            return []
        query = query.where(or_(*conditions))
    rows = []
    for pid, name, description, store_name, cat_id, cat_en, parent_id, parent_en in conn.execute(query):
        title = analyse(name)
        body = analyse(" ".join(filter(None, [description, store_name, cat_id, cat_en, parent_id, parent_en])))
        rows.append({"pid": pid, "title": title, "body": body})
    return rows


def _write(conn, rows, delete_ids):
    from sqlalchemy import bindparam

    dialect = dialect_of(conn)
    ids = sorted(set(delete_ids) | {r["pid"] for r in rows})
    delete = text(
        "DELETE FROM product_search WHERE product_id IN :ids" if dialect == "postgresql"
        else "DELETE FROM product_search WHERE rowid IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(ids), 500):
        conn.execute(delete, {"ids": ids[start:start + 500]})
    if not rows:
        return
    if dialect == "postgresql":
        statement = text(
            "INSERT INTO product_search (product_id, document) VALUES (:pid, "
            "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :body), 'C'))"
        )
    else:
        statement = text(
            "INSERT INTO product_search (rowid, product_id, title, body) VALUES (:pid, :pid, :title, :body)")
    for start in range(0, len(rows), 1000):
        conn.execute(statement, rows[start:start + 1000])


def rebuild(conn):
    """Rebuild the whole index on ``conn`` (inside its transaction). Returns the count."""
    if not search_table_exists(conn):
        create_search_tables(conn)
    conn.execute(text("DELETE FROM product_search"))
    rows = _document_rows(conn)
    _write(conn, rows, [])
    if dialect_of(conn) == "sqlite":
        conn.execute(text("INSERT INTO product_search(product_search) VALUES ('optimize')"))
    return len(rows)


def reindex(conn, product_ids=(), store_ids=(), category_ids=(), deleted_ids=()):
    rows = _document_rows(conn, set(product_ids), set(store_ids), set(category_ids))
    _write(conn, rows, set(deleted_ids) | set(product_ids))


def reindex_product(product, conn=None):
    """Rebuild the row of one product (a fresh transaction unless ``conn`` is given)."""
    _run(lambda c: reindex(c, product_ids=[product.id]), conn)


def reindex_store(store, conn=None):
    _run(lambda c: reindex(c, store_ids=[store.id]), conn)


def _run(fn, conn=None):
    if conn is not None:
        return fn(conn)
    from app.extensions import db

    with db.engine.begin() as fresh:
        return fn(fresh)


# ---------------------------------------------------------------- querying

def match_subquery(bind, terms):
    """A selectable (product_id, score) of products matching every term, higher score
    better, or None when there is nothing to search for."""
    from sqlalchemy import Float, Integer, column

    if not terms:
        return None
    if dialect_of(bind) == "postgresql":
        statement = text(
            "SELECT product_id, ts_rank(document, plainto_tsquery('simple', :terms)) AS score "
            "FROM product_search WHERE document @@ plainto_tsquery('simple', :terms)"
        ).bindparams(terms=" ".join(terms))
    else:
        # Terms are [0-9a-z]+ only; quoting each keeps FTS5 from reading them as operators.
        expression = " ".join(f'"{t}"' for t in terms)
        statement = text(
            "SELECT rowid AS product_id, -bm25(product_search, 0.0, 10.0, 1.0) AS score "
            "FROM product_search WHERE product_search MATCH :expression"
        ).bindparams(expression=expression)
    return statement.columns(column("product_id", Integer), column("score", Float)).subquery("matches")


# ---------------------------------------------------------------- keeping in step

PRODUCT_FIELDS = ("name", "description", "category_id", "category", "store_id", "store")
STORE_FIELDS = ("name",)
CATEGORY_FIELDS = ("name_id", "name_en", "parent_id", "parent")


def _changed(obj, fields):
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(name in state.attrs and state.attrs[name].history.has_changes() for name in fields)


def _pending(session):
    return session.info.setdefault(
        "search_pending", {"products": set(), "stores": set(), "categories": set(), "deleted": set()})


def _after_flush(session, flush_context):
    from app.models import Category, Product, Store

    pending = None
    for obj in session.new:
        if isinstance(obj, Product):
            pending = pending or _pending(session)
            pending["products"].add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Product) and _changed(obj, PRODUCT_FIELDS):
            pending = pending or _pending(session)
            pending["products"].add(obj.id)
        elif isinstance(obj, Store) and _changed(obj, STORE_FIELDS):
            pending = pending or _pending(session)
            pending["stores"].add(obj.id)
        elif isinstance(obj, Category) and _changed(obj, CATEGORY_FIELDS):
            pending = pending or _pending(session)
            pending["categories"].add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Product):
            pending = pending or _pending(session)
            pending["deleted"].add(obj.id)


def _after_commit(session):
    # Any commit may change what buyers see (also raw UPDATEs): drop cached pages and counts.
    from app.services import catalog

    catalog.bump_generation()
    pending = session.info.pop("search_pending", None)
    if not pending or not any(pending.values()):
        return
    try:
        from app.models import Product

        engine = session.get_bind(mapper=Product.__mapper__)
        with engine.begin() as conn:
            if not search_table_exists(conn):
                return
            reindex(conn, product_ids=pending["products"] - pending["deleted"], store_ids=pending["stores"],
                    category_ids=pending["categories"], deleted_ids=pending["deleted"])
    except Exception:  # noqa: BLE001 - the commit stands; `flask search reindex` repairs the index
        log.exception("search index update failed")


def _after_rollback(session):
    session.info.pop("search_pending", None)


_registered = False


def register(app):
    """Session and metadata hooks (once per process) and the ``flask search`` command."""
    global _registered
    from app.extensions import db

    if not _registered:
        from flask_sqlalchemy.session import Session

        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        event.listen(db.metadata, "after_create", lambda target, connection, **kw: create_search_tables(connection))
        event.listen(db.metadata, "before_drop", lambda target, connection, **kw: drop_search_tables(connection))
        _registered = True

    import click

    @app.cli.group("search")
    def search_group():
        """The product search index."""

    @search_group.command("reindex")
    def reindex_command():
        """Rebuild the whole search index from the products."""
        with db.engine.begin() as conn:
            count = rebuild(conn)
        click.echo(f"{count} product(s) indexed")
