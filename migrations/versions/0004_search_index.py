"""search index: product_search (FTS5 on SQLite, tsvector + GIN on PostgreSQL) and the
catalogue's sort indexes on products

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 20:30:00

Written by hand (issue 4, catalogue). The product_search table is not a model: its
DDL lives in app.services.search (shared with db.create_all), and migrations/env.py
and tests/test_migrations.py skip it with app.services.search.include_object/include_name.
Run `flask search reindex` after upgrading a database that already has products: the
app fills the index as products change, never all at once on a request.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Mirrors app.services.catalog.CATALOG_INDEXES.
CATALOG_INDEXES = [
    ("ix_products_catalog_newest", ["listed", "approved_at"]),
    ("ix_products_catalog_price", ["listed", "price"]),
    ("ix_products_catalog_name", ["listed", "name"]),
    ("ix_products_catalog_sold", ["listed", "sold_count"]),
    ("ix_products_catalog_store", ["store_id", "listed", "approved_at"]),
]

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


def upgrade():
    for name, columns in CATALOG_INDEXES:
        op.create_index(name, "products", columns, unique=False)
    ddl = POSTGRES_DDL if op.get_bind().dialect.name == "postgresql" else SQLITE_DDL
    for statement in ddl:
        op.execute(statement)


def downgrade():
    op.execute("DROP TABLE IF EXISTS product_search")
    for name, _columns in reversed(CATALOG_INDEXES):
        op.drop_index(name, table_name="products")
