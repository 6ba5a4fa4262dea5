"""With REDIS_URL a signed-in buyer's catalogue page asks Redis once: the user's counters and
the catalogue's versions that name no row come in one MGET (``signed_in_cache.tag_now``), and
the page kept for buyers and the bar are this process's copies of what it read from Redis
at those versions. A commit anywhere that changes what the page or the bar shows still shows
in every process at once: the versions change, so the copies no longer match."""
import re
import uuid

import pytest
from redis.client import Pipeline, Redis

from app.catalog import versions
from app.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import redis_or_skip
from tests.test_catalog_queries import QueryCounter
from tests.test_catalog_cache_redis import serve_two
from tests.test_signed_in_cache import _buyer, _cart_badge, _same_browser


@pytest.fixture
def workers(tmp_path, pg_schema):
    conn = redis_or_skip()
    prefix = f"pkbtrips-{uuid.uuid4().hex[:10]}"
    yield from serve_two(tmp_path, pg_schema, conn, prefix, SIGNED_IN_CACHE_SECONDS=60,
                         CATALOG_CACHE_SECONDS=60, CATALOG_FRAGMENT_SECONDS=60, CATALOG_COUNT_TTL=60)
    conn.close()


class RedisCommands:
    """The commands the app sends to Redis in the block (a pipeline counts as one trip)."""

    def __enter__(self):
        self.sent = []
        self._patches = [pytest.MonkeyPatch()]
        patch = self._patches[0]
        original, original_pipe = Redis.execute_command, Pipeline.execute

        def command(conn, *args, **options):
            if not isinstance(conn, Pipeline):
                self.sent.append(args[0])
            return original(conn, *args, **options)

        def pipeline(pipe, *args, **options):
            self.sent.append("PIPELINE")
            return original_pipe(pipe, *args, **options)

        patch.setattr(Redis, "execute_command", command)
        patch.setattr(Pipeline, "execute", pipeline)
        return self

    def __exit__(self, *exc):
        self._patches[0].undo()


def _first_request_done(client):
    """The welcome message after logging in is shown and gone: pages can be kept again."""
    assert client.get("/cart/").status_code == 200


def test_a_signed_in_catalogue_page_asks_redis_once(workers):
    first, _second = workers
    _buyer_id, _products, client = _buyer(first)
    _first_request_done(client)
    assert client.get("/katalog").headers["X-Cache"] == "miss"
    client.get("/katalog")  # this process now has its copies of the page and the bar
    with RedisCommands() as redis:
        page = client.get("/katalog")
    assert page.status_code == 200 and page.headers["X-Cache"] == "hit"
    assert "Budi Santoso" in page.get_data(as_text=True)
    assert page.headers["X-Cache-Fragments"].startswith("hit=")
    assert redis.sent == ["MGET"]


def test_a_page_kept_in_one_process_shows_a_price_changed_in_the_other_at_once(workers):
    from app.models import Product

    first, second = workers
    _buyer_id, products, client = _buyer(first)
    _first_request_done(client)
    with first.app_context():
        product = db.session.get(Product, products[0])
        slug, name = product.slug, product.name
    for _ in range(2):
        assert name in client.get("/katalog").get_data(as_text=True)
        client.get(f"/produk/{slug}")
    with second.app_context():
        db.session.get(Product, products[0]).price = 123400
        db.session.commit()
    page = client.get("/katalog")
    assert page.headers["X-Cache"] == "miss" and "Rp\u00a0123.400" in page.get_data(as_text=True)
    assert "Rp\u00a0123.400" in client.get(f"/produk/{slug}").get_data(as_text=True)


def test_the_bar_kept_in_a_process_shows_a_cart_change_made_in_the_other(workers):
    first, second = workers
    _buyer_id, products, client = _buyer(first)
    _first_request_done(client)
    elsewhere = _same_browser(client, second)
    for _ in range(2):
        assert _cart_badge(elsewhere.get("/katalog").get_data(as_text=True)) == 0
    assert client.post(f"/cart/add/{products[0]}", data={"quantity": 1}).status_code in (302, 303)
    page = elsewhere.get("/katalog")
    assert page.headers["X-Cache"] == "hit"  # the page is the same for every buyer; the bar is not
    assert _cart_badge(page.get_data(as_text=True)) == 1


def test_a_commit_in_the_request_forgets_the_versions_it_read(workers):
    first, _second = workers
    with first.test_request_context("/"):
        versions.remember(("catalogue", "pages"), [b"4", None])
        assert versions.known(("pages", "catalogue")) == (0, 4)
        assert versions.known(("catalogue", "product:1")) is None  # not read: ask Redis
        versions.bump(["product:1"])
        assert versions.known(("catalogue",)) is None


# ---------------------------------------------------------------- the lists kept with the user

def _options(page):
    """The lists offered under "Save to list" on a product page, by name."""
    return re.findall(r'<option value="\d+">([^<]+)</option>', page)


def _colleagues(app):
    """(owner id, colleague id, product slug, a logged-in client of the colleague)."""
    from tests import factories

    with app.app_context():
        product = factories.ProductFactory(live=True, name="Kopi Aming", price=45000)
        owner = factories.BuyerFactory(full_name="Sari Wulandari")
        colleague = factories.BuyerFactory(full_name="Budi Santoso", department=owner.department)
        db.session.commit()
        ids, slug, email = (owner.id, colleague.id), product.slug, colleague.email
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    _first_request_done(client)
    return ids[0], ids[1], slug, client


def _product_page(app, client, slug):
    with QueryCounter(app) as counter:
        page = client.get(f"/produk/{slug}")
    assert page.status_code == 200
    return page.get_data(as_text=True), [s for s in counter.statements if "shopping_list" in s]


def test_the_lists_to_save_to_are_kept_with_the_user_and_follow_every_change(workers):
    from app.models import ShoppingList, ShoppingListShare, User
    from app.services import shopping_lists

    first, second = workers
    owner_id, colleague_id, slug, client = _colleagues(first)
    with second.app_context():
        shopping_lists.create_list(db.session.get(User, colleague_id), "ATK kantor")
    page, statements = _product_page(first, client, slug)
    assert _options(page) == ["ATK kantor"] and statements  # read, and kept
    page, statements = _product_page(first, client, slug)
    assert _options(page) == ["ATK kantor"] and statements == []  # from the kept user

    # Another worker: the owner shares a list to edit, renames it; each shows at once.
    with second.app_context():
        owner = db.session.get(User, owner_id)
        shared = shopping_lists.create_list(owner, "Snack rapat")
        shopping_lists.share(owner, shared.id, db.session.get(User, colleague_id).email, True)
        shared_id = shared.id
    assert _options(_product_page(first, client, slug)[0]) == ["ATK kantor", "Snack rapat"]
    with second.app_context():
        db.session.get(ShoppingList, shared_id).name = "Snack rapat bulanan"
        db.session.commit()
    assert _options(_product_page(first, client, slug)[0]) == ["ATK kantor", "Snack rapat bulanan"]

    # Adding to one's own list stamps it, which changes no one's options: the kept user stays.
    _product_page(first, client, slug)
    with second.app_context():
        product_id = db.session.execute(db.text("SELECT id FROM products WHERE slug = :s"), {"s": slug}).scalar()
        own_id = db.session.execute(db.select(ShoppingList.id).where(ShoppingList.owner_id == colleague_id)).scalar()
        shopping_lists.add_product(db.session.get(User, colleague_id), own_id, product_id, 2)
    page, statements = _product_page(first, client, slug)
    assert _options(page) == ["ATK kantor", "Snack rapat bulanan"] and statements == []

    # The owner moves to another department: their list is no longer the colleague's to edit.
    from tests import factories

    with second.app_context():
        db.session.get(User, owner_id).department = factories.DepartmentFactory()
        db.session.commit()
    assert _options(_product_page(first, client, slug)[0]) == ["ATK kantor"]
    with second.app_context():
        db.session.get(User, owner_id).department_id = db.session.get(User, colleague_id).department_id
        db.session.commit()
        assert _options(_product_page(first, client, slug)[0]) == ["ATK kantor", "Snack rapat bulanan"]
        db.session.execute(db.delete(ShoppingListShare))  # behind the ORM's back: everyone's copy goes
        db.session.commit()
    assert _options(_product_page(first, client, slug)[0]) == ["ATK kantor"]


def test_a_visitors_page_is_not_copied_into_the_process(workers):
    """A visitor's request never knows the versions beforehand, so it would never take a
    copy: none is kept (the pages are in Redis for every process)."""
    from tests import factories

    first, _second = workers
    with first.app_context():
        factories.ProductFactory(live=True, name="Kopi Aming")
        db.session.commit()
    visitor = first.test_client()
    for _ in range(2):
        assert visitor.get("/katalog").status_code == 200
    from app.catalog import cache

    with first.app_context():
        copies = cache._kept("pages")
    assert copies is None or not copies.items
    _buyer_id, _products, client = _buyer(first)
    _first_request_done(client)
    client.get("/katalog")
    assert copies.items  # the buyer's page is copied
