"""The catalogue pages load what they show in a fixed number of SQL statements:
the count must not grow with the number of products (no N+1)."""
import pytest
from sqlalchemy import event

from app.extensions import db


class QueryCounter:
    def __init__(self, app):
        self.app = app
        self.statements = []

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self):
        return len(self.statements)


def seed(factories, n):
    """``n`` live products with two images each, in 3 stores and 2 categories (one a child)."""
    parent = factories.CategoryFactory(name_id="Makanan", slug="makanan")
    child = factories.CategoryFactory(name_id="Kopi", slug="kopi-bubuk", parent=parent)
    stores = [factories.StoreFactory(verified=True) for _ in range(3)]
    products = []
    for i in range(n):
        product = factories.ProductFactory(live=True, name=f"Kopi Bubuk Pilihan {i}", store=stores[i % 3],
                                           category=child if i % 2 else parent, featured=i % 2 == 0)
        factories.ProductImageFactory(product=product, is_cover=True)
        factories.ProductImageFactory(product=product)
        products.append(product)
    return products, stores[0]


def page_queries(app, factories, n):
    with app.app_context():  # requests below run in their own app context, as in production
        products, store = seed(factories, n)
        product_slug, store_slug = products[0].slug, store.slug
    client = app.test_client()
    urls = {
        "home": "/",
        "catalogue": "/katalog",
        "catalogue_filtered": "/katalog?category=makanan&min_price=1000&halal=0&in_stock=1&sort=price_asc",
        "search": "/katalog?q=kopi+bubuk",
        "product": f"/produk/{product_slug}",
        "store": f"/toko/{store_slug}",
    }
    counts = {}
    for name, url in urls.items():
        client.get(url)  # the first request may set up caches (search table check)
        with QueryCounter(app) as counter:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert "Kopi Bubuk Pilihan" in response.get_data(as_text=True), name
        counts[name] = counter.count
    return counts


@pytest.fixture
def make(tmp_path, pg_schema):
    from tests.conftest import empty_tables, make_app

    apps = []

    def build(sub):
        path = tmp_path / sub
        path.mkdir()
        app = make_app(path, pg_schema, CATALOG_CACHE_SECONDS=0, CATALOG_COUNT_TTL=0)
        apps.append(app)
        return app

    yield build
    for app in apps:
        if pg_schema is not None:
            empty_tables(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_query_count_does_not_grow_with_products(make):
    from tests import factories

    few_app = make("few")
    few = page_queries(few_app, factories, 3)
    if few_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from tests.conftest import empty_tables

        empty_tables(few_app)
    many_app = make("many")
    many = page_queries(many_app, factories, 30)
    assert many == few, f"queries grew with the number of products: 3 -> {few}, 30 -> {many}"
    # The product page is the largest: the product with its store, its variants, the category
    # tree, photos, documents, related products, the reviews' summary and the questions (their
    # count and the newest).
    limits = {"product": 10}
    for name, count in many.items():
        assert count <= limits.get(name, 8), f"{name} runs {count} queries"
