"""With REDIS_URL the catalogue's page and count caches live in Redis: every process
shares them, and a commit in one process that writes what they show drops them for all
(shared versions, app.catalog.versions)."""
import uuid

import pytest

from app.extensions import db
from tests.conftest import empty_tables, make_app, release_app

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_conn():
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url(REDIS, socket_connect_timeout=0.5)
    try:
        conn.ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    yield conn
    conn.close()


@pytest.fixture
def two_apps(tmp_path, pg_schema, redis_conn):
    """Two app instances (like two gunicorn workers) on one database and one Redis."""
    prefix = f"pkbcachetest-{uuid.uuid4().hex[:10]}"
    for first, second in serve_two(tmp_path, pg_schema, redis_conn, prefix,
                                   CATALOG_CACHE_SECONDS=60, CATALOG_COUNT_TTL=60):
        yield first, second, prefix


def serve_two(tmp_path, pg_schema, conn, prefix, **settings):
    """Yield two apps on one database and the Redis of ``conn`` under ``prefix``, with
    ``settings``; afterwards their Redis keys, rows and pools are let go."""
    settings = dict(REDIS_URL=REDIS, JOBS_QUEUE_PREFIX=prefix, CACHE_KEY_PREFIX=f"{prefix}:cache", **settings)
    first = make_app(tmp_path, pg_schema, **settings)
    second = make_app(tmp_path, pg_schema, **settings)
    try:
        yield first, second
    finally:
        _forget(conn, prefix)
        if pg_schema is not None:
            empty_tables(first)
        for app in (first, second):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _forget(conn, prefix):
    """Remove every key of this test: cache keys, and the RQ queues and jobs of its commits."""
    for key in conn.scan_iter("rq:job:*"):
        if conn.type(key) == b"hash" and (conn.hget(key, "origin") or b"").decode().startswith(prefix):
            conn.delete(key)
    for key in conn.scan_iter(f"*{prefix}*"):
        conn.delete(key)
    for member in conn.smembers("rq:queues"):
        if prefix.encode() in member:
            conn.srem("rq:queues", member)


def _set_price(app, product_id, price):
    """A raw UPDATE behind the ORM's back: only the cache can make a page show the old price."""
    with app.app_context():
        db.session.execute(db.text("UPDATE products SET price = :p WHERE id = :i"), {"p": price, "i": product_id})
        db.session.commit()


def test_two_processes_share_pages_and_a_commit_in_one_drops_them_in_the_other(two_apps, redis_conn):
    from tests import factories

    first, second, prefix = two_apps
    with first.app_context():
        product = factories.ProductFactory(live=True, name="Syal Insang", price=150000)
        product_id, slug = product.id, product.slug
    client_a, client_b = first.test_client(), second.test_client()
    assert "Rp\u00a0150.000" in client_a.get(f"/produk/{slug}").get_data(as_text=True)
    assert "Rp\u00a0150.000" in client_a.get("/katalog").get_data(as_text=True)
    assert list(redis_conn.scan_iter(f"{prefix}:cache:page:*"))  # the pages are in Redis
    assert list(redis_conn.scan_iter(f"{prefix}:cache:count:*"))  # and the count

    # Change the price without telling any cache: both processes serve the shared page.
    with first.app_context():
        generation = redis_conn.get(f"{prefix}:cache:v:catalogue")
        with db.engine.begin() as conn:
            conn.execute(db.text("UPDATE products SET price = 175000 WHERE id = :i"), {"i": product_id})
    assert redis_conn.get(f"{prefix}:cache:v:catalogue") == generation
    assert "Rp\u00a0150.000" in client_b.get(f"/produk/{slug}").get_data(as_text=True)
    assert "Rp\u00a0150.000" in client_b.get("/katalog").get_data(as_text=True)

    # A commit in the second process: the first one shows the new price at once.
    _set_price(second, product_id, 180000)
    assert "Rp\u00a0180.000" in client_a.get(f"/produk/{slug}").get_data(as_text=True)
    assert "Rp\u00a0180.000" in client_a.get("/katalog").get_data(as_text=True)
    assert "Rp\u00a0180.000" in client_b.get("/katalog").get_data(as_text=True)


def test_a_page_kept_for_buyers_in_redis_serves_another_process_with_each_readers_own_bar(two_apps, redis_conn):
    from tests import factories
    from tests.conftest import PASSWORD

    first, second, prefix = two_apps
    with first.app_context():
        slug = factories.ProductFactory(live=True, name="Syal Insang", price=150000).slug
        budi, sari = (factories.BuyerFactory(full_name=name).email for name in ("Budi Santoso", "Sari Wulandari"))
        db.session.commit()
    readers = []
    for app, email in ((first, budi), (second, sari)):
        client = app.test_client()
        assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
        client.get("/cart/")  # shows the welcome message: nothing pending after it
        readers.append(client)
    first_page = readers[0].get(f"/produk/{slug}")
    assert first_page.headers["X-Cache"] == "miss"
    kept = [key for key in redis_conn.scan_iter(f"{prefix}:cache:page:*")]
    assert kept and b"Budi Santoso" not in b"".join(redis_conn.get(key) for key in kept)
    other = readers[1].get(f"/produk/{slug}")  # the other process, the other buyer
    assert other.headers["X-Cache"] == "hit"
    page = other.get_data(as_text=True)
    assert "Sari Wulandari" in page and "Budi Santoso" not in page and "Rp\u00a0150.000" in page
    _set_price(second, _product_id(first, slug), 165000)
    assert "Rp\u00a0165.000" in readers[0].get(f"/produk/{slug}").get_data(as_text=True)


def _product_id(app, slug):
    from app.models import Product

    with app.app_context():
        return db.session.execute(db.select(Product.id).where(Product.slug == slug)).scalar_one()


def test_counts_are_shared_and_dropped_by_a_catalogue_commit_anywhere(two_apps, redis_conn):
    from app.catalog import cache
    from tests import factories

    first, second, prefix = two_apps
    with first.app_context():
        product_id = factories.ProductFactory(live=True, name="Kopi Aming").id
        assert cache.cached_value(("total", "kopi"), lambda: 7) == 7
        assert cache.cached_value(("rows",), lambda: [("toko-a", "Toko A")]) == [["toko-a", "Toko A"]]
    with second.app_context():
        assert cache.cached_value(("total", "kopi"), lambda: 8) == 7  # computed by the other process
        db.session.execute(db.text("SELECT 1"))
        db.session.commit()  # a commit that writes nothing of the catalogue keeps it
    with first.app_context():
        assert cache.cached_value(("total", "kopi"), lambda: 9) == 7
    with second.app_context():
        db.session.execute(db.text("UPDATE products SET stock = 3 WHERE id = :id"), {"id": product_id})
        db.session.commit()  # a product written: the lists and counts of every process go
    with first.app_context():
        assert cache.cached_value(("total", "kopi"), lambda: 9) == 9
    assert int(redis_conn.get(f"{prefix}:cache:v:catalogue")) >= 1
    assert int(redis_conn.get(f"{prefix}:cache:v:product:{product_id}")) >= 1


def test_suggestions_are_shared_and_a_product_written_anywhere_drops_them(two_apps, redis_conn):
    """Search as you type keeps its answers where the counts are (cache.cached_value): one
    process's answer serves the other, as tuples again, and a product commit drops it."""
    from datetime import date

    from app.services import suggest
    from tests import factories

    first, second, prefix = two_apps
    for app in (first, second):
        app.config["SUGGEST_CACHE_SECONDS"] = 30
    day = date(2026, 12, 7)
    with first.app_context():
        product_id = factories.ProductFactory(live=True, name="Kopi Bubuk Robusta", price=45000).id
        db.session.commit()
        found = suggest.suggest("kop", day)
        assert [name for name, _slug, _price in found.products] == ["Kopi Bubuk Robusta"]
    assert list(redis_conn.scan_iter(f"{prefix}:cache:suggest:*"))
    with second.app_context():
        with db.engine.begin() as conn:  # behind the app's back: only the cache can answer the old name
            conn.execute(db.text("UPDATE products SET name = 'Kopi Bubuk Liberika' WHERE id = :i"), {"i": product_id})
        shared = suggest.suggest("kop", day)
        assert shared.products == found.products and isinstance(shared.products[0], tuple)
        db.session.execute(db.text("UPDATE products SET stock = 4 WHERE id = :i"), {"i": product_id})
        db.session.commit()  # a product written: every process's answers go
    with first.app_context():
        assert suggest.suggest("kop", day).products[0][0] == "Kopi Bubuk Liberika"


def test_pages_are_served_when_redis_is_down(tmp_path, pg_schema):
    from tests import factories

    app = make_app(tmp_path, pg_schema, REDIS_URL="redis://127.0.0.1:1/0", CATALOG_CACHE_SECONDS=60,
                   CATALOG_COUNT_TTL=60)
    try:
        with app.app_context():
            slug = factories.ProductFactory(live=True, name="Kopi Aming").slug
        client = app.test_client()
        assert client.get("/katalog").status_code == 200
        assert "Kopi Aming" in client.get(f"/produk/{slug}").get_data(as_text=True)
    finally:
        release_app(app, pg_schema)
