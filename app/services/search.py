"""Indonesian-aware product search, kept in step with the products.

Rules kept here:
- the indexed text and the query go through the same ``analyse``: accents stripped
  (NFKD), lower case, words of letters and digits only, each word stemmed by Sastrawi
  (``minuman`` -> ``minum``, ``kerajinan`` -> ``rajin``); so no user input ever reaches
  the full-text syntax of the database (quotes, ``*``, ``NEAR(``, ``OR``, ``-``, ``:``,
  ``&|!()`` are just word separators): the expressions are built here from
  ``[0-9a-z]+`` words only;
- a query word matches its stem exactly OR, when it has ``MIN_PREFIX_CHARS`` (3) or more
  characters and is not a number, any indexed word it begins (``kop`` finds ``kopi``,
  ``tenun insa`` finds "tenun corak insang"). Buyers submit the form (there is no
  as-you-type search), and on a phone they shorten any word, not only the last one, so
  every word may be a prefix; requiring every word keeps that precise, and a word found
  whole scores higher than one only begun (the exact stem and the prefix are two
  alternatives, and a product matching both gets both scores). Prefixes are the folded
  word as typed, not its stem: Sastrawi mangles unfinished words (``minu`` -> ``mu``).
  Numbers are whole (``250`` must not find ``2500``), and so are 1-2 letter words (too
  many words begin with ``ke``);
- ``match_subquery(every=True)`` finds the products matching every word; with
  ``every=False`` those matching at least one, scored by how many words they match and
  then by relevance (the catalogue falls back to it when no product matches every word);
- one row per product in ``product_search`` (SQLite: an FTS5 table ranked by bm25;
  PostgreSQL: a tsvector with a GIN index over pre-stemmed text, 'simple' config,
  ranked by ts_rank). The table is not a model: migration 0004 creates it, and
  ``db.create_all`` creates it too (an ``after_create`` hook) so tests agree with them;
  its DDL runs only there and in ``flask search reindex``, never on a request;
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
from typing import NamedTuple

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Float,
    Integer,
    bindparam,
    case,
    column,
    event,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)

log = logging.getLogger(__name__)

# Tables (and their indexes, FTS5 shadow tables) that are not models: Alembic's
# autogenerate and the migrations test leave them alone.
SEARCH_TABLES = "product_search"

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
MIN_PREFIX_CHARS = 3
_WORD = re.compile(r"[0-9a-z]+")
_SAFE = re.compile(r"[0-9a-z]+\Z")


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
    parent = getattr(obj, "table", None)
    if parent is not None and is_search_table(getattr(parent, "name", None)):
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


class Term(NamedTuple):
    """One word of a query: its stem, matched whole, and the word as typed (folded), also
    matched as the beginning of an indexed word when ``prefix`` is set. Both are
    ``[0-9a-z]+``. A tuple, so a list of terms is a cache key."""

    stem: str
    word: str
    prefix: bool


def query_terms(query: str) -> list[Term]:
    """The de-duplicated terms of a buyer's query (bounded in size)."""
    terms = []
    for word in words((query or "")[:MAX_QUERY_CHARS]):
        root = stem(word)
        if not _SAFE.match(root):  # never seen; the expressions take [0-9a-z]+ only
            root = word
        term = Term(root, word, len(word) >= MIN_PREFIX_CHARS and not word.isdigit())
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
    return "product_search" in inspect(connection).get_table_names()


# ---------------------------------------------------------------- documents

def _document_rows(conn, product_ids=None, store_ids=None, category_ids=None):
    """(product_id, title, body) for the products named (all when no filter)."""
    from app.models import Category, Product, Store

    parent = Category.__table__.alias("parent")
    cat = Category.__table__
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


# ---------------------------------------------------------------- querying

def _safe(value: str) -> str:
    """``value`` if it is a plain ``[0-9a-z]+`` word (what ``words`` makes), else ValueError:
    the last guard before a word is put into an FTS5 or tsquery expression."""
    if not _SAFE.match(value):
        raise ValueError(f"not a search word: {value!r}")
    return value


def fts5_expression(term: Term) -> str:
    """FTS5 query for one term: ``"stem"`` or ``("stem" OR "word"*)``. Every word is a
    quoted string, so FTS5 never reads it as an operator (``NEAR``, ``OR``, ``-``, ``:``)."""
    exact = f'"{_safe(term.stem)}"'
    if not term.prefix:
        return exact
    return f'({exact} OR "{_safe(term.word)}"*)'


def tsquery_alternatives(term: Term) -> list[str]:
    """PostgreSQL ``to_tsquery('simple', ...)`` texts for one term: ``stem`` and, for a
    prefix term, ``word:*`` (the index holds pre-stemmed text through the 'simple' config
    of migration 0004, so the query uses 'simple' too)."""
    exact = _safe(term.stem)
    return [exact, f"{_safe(term.word)}:*"] if term.prefix else [exact]


def tsquery_expression(term: Term) -> str:
    """The tsquery text matching one term: ``stem`` or ``(stem | word:*)``."""
    alternatives = tsquery_alternatives(term)
    return alternatives[0] if len(alternatives) == 1 else f"({' | '.join(alternatives)})"


def _index():
    return table("product_search", column("rowid", Integer), column("product_id", Integer), column("document"))


def _squash(relevance):
    """A relevance >= 0 mapped into [0, 1), order kept: r / (1 + r), written so that ``r``
    (ts_rank calls on PostgreSQL) is computed once per row."""
    return literal(1.0, Float) - literal(1.0, Float) / (literal(1.0, Float) + relevance)


def _postgres_matches(terms: list[Term], every: bool, newest: int | None = None):
    """One GIN-indexed scan for the terms AND'ed (``every``) or OR'ed; the tsquery texts
    are bound parameters, so the SQL text is fixed.

    The relevance is ts_rank of the whole words OR'ed plus ts_rank of the prefixes OR'ed
    (two calls per row, whatever the number of words), not ts_rank of the query itself:
    that counts ``kopi`` and ``kopi:*`` once, and for an AND query rewards indexed words
    sitting near each other, so "Kopiah Bubuk" (``kopi`` only in its description) would
    beat "Kopi Bubuk". This way the whole word in the name wins, as with bm25 on SQLite.
    For ``every=False`` the score adds the number of terms matched (one ``@@`` each).

    ``newest=N``: only the N newest matches (highest product id) are scored. The scan then
    sorts bare ids and keeps N, and ts_rank reads N documents, not every match's."""
    index = _index()

    def tsquery(expression):
        return func.to_tsquery(literal_column("'simple'::regconfig"), bindparam(None, expression, unique=True))

    expressions = [tsquery_expression(t) for t in terms]
    matching = index.c.document.op("@@")(tsquery((" & " if every else " | ").join(expressions)))
    if newest is not None:
        source = (select(index.c.product_id, index.c.document).where(matching)
                  .order_by(index.c.product_id.desc()).limit(newest).subquery("newest"))
        where = []
    else:
        source, where = index, [matching]
    document = source.c.document
    relevance: ColumnElement[float] = func.ts_rank(document, tsquery(" | ".join(_safe(t.stem) for t in terms)),
                                                   type_=Float)
    prefixes = [tsquery_alternatives(t)[1] for t in terms if t.prefix]
    if prefixes:
        relevance = relevance + func.ts_rank(document, tsquery(" | ".join(prefixes)), type_=Float)
    if every:
        return select(source.c.product_id.label("product_id"), relevance.label("score")).where(*where)
    hits = [case((document.op("@@")(tsquery(e)), 1), else_=0) for e in expressions]
    score = sum(hits[1:], hits[0]) + _squash(relevance)
    return select(source.c.product_id.label("product_id"), score.label("score")).where(*where)


def _sqlite_matches(terms: list[Term], every: bool, newest: int | None = None):
    """FTS5 (the expressions are bound parameters, so the SQL text is fixed). bm25 is a sum
    over the phrases of the query, and the whole word and the prefix are two phrases, so a
    product with the whole word gets both. For ``every=False``: each term on its own (an
    index lookup each, cheaper here than one OR query that then tests each term per row),
    then per product the number of terms it matched plus its summed relevance squashed
    below 1.

    ``newest=N``: FTS5 walks its matches from the highest rowid (the product id) down and
    stops after N (N per term for ``every=False``); bm25 runs on those rows only."""
    index = _index()
    fts: ColumnClause = literal_column("product_search")

    def matching(expression):
        relevance = -func.bm25(fts, literal_column("0.0"), literal_column("10.0"), literal_column("1.0"), type_=Float)
        statement = (select(index.c.rowid.label("product_id"), relevance.label("score")).select_from(index)
                     .where(fts.op("MATCH")(bindparam(None, expression, unique=True))))
        if newest is not None:
            statement = statement.order_by(index.c.rowid.desc()).limit(newest)
        return statement

    expressions = [fts5_expression(t) for t in terms]
    if every:
        return matching(" AND ".join(expressions))
    if len(expressions) == 1:
        # Not through GROUP BY: SQLite would flatten the FTS5 query into the aggregate,
        # where bm25() cannot run. (A UNION ALL is never flattened into an aggregate.)
        one = matching(expressions[0]).subquery("per_term")
        return select(one.c.product_id, (1 + _squash(one.c.score)).label("score"))
    parts = [matching(e) for e in expressions]
    if newest is not None:  # a compound SELECT's members cannot carry their own ORDER BY / LIMIT
        parts = [select(part.subquery(f"term_{n}")) for n, part in enumerate(parts)]
    per_term = union_all(*parts).subquery("per_term")
    return (select(per_term.c.product_id, (func.count() + _squash(func.sum(per_term.c.score))).label("score"))
            .group_by(per_term.c.product_id))


def match_subquery(bind, terms, every=True, best=None, newest=None):
    """A selectable (product_id, score) of the products matching every term (``every``)
    or at least one, higher score better; None when there is nothing to search for.

    With ``every=False`` the score is the number of terms a product matches plus its
    relevance squashed into [0, 1) (bm25 and ts_rank are never negative: FTS5 floors
    bm25's IDF above 0), so products matching more words always come first.

    ``best=N``: only the first N by score, then newest (higher id) first: the order the
    catalogue and the suggestions sort by, so joining them keeps that order exactly, and
    nothing but the index is read for the thousands of matches of a short prefix.

    ``newest=N``: score only the N newest matches (by product id), for a search with more
    matches than anyone pages through: its cost stops growing with the number of matches
    (``catalog.RANKED_CANDIDATES``). Exact otherwise: the same scores, on fewer rows."""
    terms = list(terms or ())
    if not terms:
        return None
    matches = _postgres_matches if dialect_of(bind) == "postgresql" else _sqlite_matches
    query = matches(terms, every, newest)
    if best is not None:
        columns = query.selected_columns
        query = query.order_by(columns.score.desc(), columns.product_id.desc()).limit(best)
    return query.subquery("matches")


# ---------------------------------------------------------------- keeping in step

PRODUCT_FIELDS = ("name", "description", "category_id", "category", "store_id", "store")
STORE_FIELDS = ("name",)
CATEGORY_FIELDS = ("name_id", "name_en", "parent_id", "parent")


def _changed(obj, fields):
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
    # Cached pages, fragments and counts are dropped by what the commit wrote
    # (app.catalog.versions), not here.
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
