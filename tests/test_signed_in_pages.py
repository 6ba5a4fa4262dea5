"""Signed-in pages: the user, roles, department roles and the header's counts in one
statement; the shared parts of the catalogue cached as fragments for signed-in readers too;
a cart commit keeps them, a change of what they show drops only those."""
import re

import pytest

from app.extensions import db
from tests.conftest import PASSWORD, empty_tables, make_app
from tests.test_catalog_queries import QueryCounter, seed


@pytest.fixture
def make(tmp_path, pg_schema):
    apps = []

    def build(sub, **settings):
        path = tmp_path / sub
        path.mkdir()
        app = make_app(path, pg_schema, **settings)
        apps.append(app)
        return app

    yield build
    for app in apps:
        if pg_schema is not None:
            empty_tables(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _buyer_with_cart(app, products, items=1, unread=0, purchaser=False):
    """A logged-in buyer (test client) with ``items`` cart lines and ``unread`` notifications."""
    from app.models import Notification
    from tests import factories

    with app.app_context():
        buyer = factories.BuyerFactory(full_name="Budi Santoso")
        if purchaser:
            factories.department_role(buyer, "purchaser")
        for _ in range(unread):
            db.session.add(Notification(user_id=buyer.id, kind="order_placed", params={}))
        db.session.commit()
        email, ids = buyer.email, list(products[:items])
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    for product_id in ids:
        assert client.post(f"/cart/add/{product_id}", data={"quantity": 1}).status_code in (302, 303)
    return client


def _counts(app, client, urls):
    counts = {}
    for name, url in urls.items():
        client.get(url)
        with QueryCounter(app) as counter:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = counter.count
    return counts


def _seed(factories, n):
    """(product ids, the catalogue URLs) of ``n`` live products."""
    products, store = seed(factories, n)
    urls = {
        "catalogue": "/katalog",
        "search": "/katalog?q=kopi+bubuk",
        "product": f"/produk/{products[0].slug}",
        "store": f"/toko/{store.slug}",
    }
    return [p.id for p in products], urls


def test_the_signed_in_header_costs_one_statement_and_does_not_grow(make):
    """Without any cache: a signed-in page runs what the anonymous one runs plus exactly one
    statement (session, user, roles, department roles, cart and unread counts together), and
    the cart and orders pages do not grow with the lines in the cart."""
    from tests import factories

    app = make("nocache", CATALOG_CACHE_SECONDS=0, CATALOG_COUNT_TTL=0)
    with app.app_context():
        products, urls = _seed(factories, 6)
    anonymous = _counts(app, app.test_client(), urls)
    few = _buyer_with_cart(app, products, items=1, unread=1, purchaser=True)
    signed_in = _counts(app, few, urls)
    # The product page also reads the shopping lists the buyer may save to (their own and those
    # shared with them to edit: one statement); a buyer's question actions load no store members.
    extra = {"product": 2}
    assert signed_in == {name: count + extra.get(name, 1) for name, count in anonymous.items()}, (anonymous, signed_in)
    many = _buyer_with_cart(app, products, items=5, unread=3)
    account_pages = {"cart": "/cart/", "orders": "/orders/"}
    # The cart: the user, the lines with their cart, products, stores, variants and cover photos.
    # My orders: the user, the orders with their stores (a page that is not full needs no count).
    assert _counts(app, few, account_pages) == _counts(app, many, account_pages) == {"cart": 2, "orders": 2}
    with QueryCounter(app) as counter:
        assert few.get("/healthz").status_code == 200
    assert counter.count == 0, "a request that needs no user must not load one"


def test_the_header_shows_the_counts_and_roles_read_in_that_statement(make):
    from tests import factories

    app = make("header", CATALOG_CACHE_SECONDS=0, CATALOG_COUNT_TTL=0)
    with app.app_context():
        products, _urls = _seed(factories, 4)
    client = _buyer_with_cart(app, products, items=3, unread=2, purchaser=True)
    page = client.get("/katalog").get_data(as_text=True)
    cart = re.search(r'href="/cart/"[^>]*>.*?nav-tool-count">(\d+)', page, re.S)
    bell = re.search(r'href="/notifications/"[^>]*>.*?nav-tool-count">(\d+)', page, re.S)
    assert cart and cart.group(1) == "3"
    assert bell and bell.group(1) == "2"
    assert "Department purchases" in page or "Pembelian dinas" in page  # the department role, from the same row
    # A change in the request itself is counted again, not taken from the loaded row.
    response = client.post(f"/cart/add/{products[3]}", data={"quantity": 1}, follow_redirects=True)
    assert re.search(r'href="/cart/"[^>]*>.*?nav-tool-count">4', response.get_data(as_text=True), re.S)


def _signed_in_app(make, sub):
    return make(sub, CATALOG_CACHE_SECONDS=60, CATALOG_COUNT_TTL=60)


def _price_behind_the_cache(app, product_id, price):
    """Write a price on a connection of its own: no version is bumped, so a page shows the new
    price only if nothing was cached (or what was cached was dropped)."""
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(db.text("UPDATE products SET price = :p WHERE id = :i"), {"p": price, "i": product_id})


def test_signed_in_readers_get_the_shared_fragments_and_their_own_header(make):
    from tests import factories

    app = _signed_in_app(make, "fragments")
    with app.app_context():
        products, urls = _seed(factories, 6)
    budi = _buyer_with_cart(app, products, items=2)
    with app.app_context():
        other = factories.BuyerFactory(full_name="Sari Wulandari")
        other_email = other.email
    sari = app.test_client()
    sari.post("/auth/login", data={"email": other_email, "password": PASSWORD})
    for url in urls.values():
        budi.get(url)  # renders the fragments
    counts = _counts(app, sari, urls)
    assert counts["catalogue"] == 1 and counts["search"] == 1, counts  # only the signed-in user's row
    assert counts["store"] <= 2, counts  # + the store row
    # The product page's own parts, outside its fragments (the user, the product with its
    # store and category, its variants, the lists the buyer may save to): 4 statements. The
    # reviews and the questions are fragments too (they were 3 statements a page), and a
    # buyer's question actions load no store members.
    assert counts["product"] <= 4, counts
    page = sari.get("/katalog").get_data(as_text=True)
    assert "Sari Wulandari" in page and "Budi Santoso" not in page
    assert "Kopi Bubuk Pilihan" in page
    assert "PKB-CSRF-PLACEHOLDER" not in page
    stats = app.extensions["catalog_fragment_stats"]
    assert stats["hit"] > 0


def test_a_cart_commit_keeps_the_fragments_and_a_price_change_drops_the_products(make):
    from app.models import Product
    from tests import factories

    app = _signed_in_app(make, "invalidation")
    with app.app_context():
        products, _store = seed(factories, 4)
        first_id, first_slug, second_id = products[0].id, products[0].slug, products[1].id
    client = _buyer_with_cart(app, [], items=0)
    assert "Rp\u00a025.000" in client.get(f"/produk/{first_slug}").get_data(as_text=True)
    client.get("/katalog")

    _price_behind_the_cache(app, first_id, 31000)
    # Adding to the cart commits (cart rows, the header's count): the catalogue's fragments stay.
    assert client.post(f"/cart/add/{second_id}", data={"quantity": 1}).status_code in (302, 303)
    assert "Rp\u00a031.000" not in client.get(f"/produk/{first_slug}").get_data(as_text=True)
    assert "Rp\u00a031.000" not in client.get("/katalog").get_data(as_text=True)

    # A price change through the app drops what shows that product: its page and the lists.
    with app.app_context():
        db.session.get(Product, first_id).price = 32000
        db.session.commit()
    assert "Rp\u00a032.000" in client.get(f"/produk/{first_slug}").get_data(as_text=True)
    assert "Rp\u00a032.000" in client.get("/katalog").get_data(as_text=True)


def test_taking_stock_bumps_only_that_product(make):
    from app.catalog import versions
    from app.services.order_flow import take_stock
    from tests import factories

    app = _signed_in_app(make, "stock")
    with app.app_context():
        products, _store = seed(factories, 2)
        taken, other = products[0].id, products[1].id
        before = versions.current([f"product:{taken}", f"product:{other}", "products", "catalogue"])
        assert take_stock(taken, 1)
        db.session.commit()
        after = versions.current([f"product:{taken}", f"product:{other}", "products", "catalogue"])
    assert after[0] == before[0] + 1  # the product's page shows its stock
    assert after[1] == before[1] and after[2] == before[2]  # no other product's page is dropped
    assert after[3] == before[3] + 1  # lists show stock badges


def test_writes_outside_the_catalogue_bump_no_version(make):
    from app.catalog import versions
    from app.models import Notification
    from tests import factories

    app = _signed_in_app(make, "quiet")
    with app.app_context():
        seed(factories, 1)
        buyer = factories.BuyerFactory()
        names = ["catalogue", "pages", "products", "stores", "categories"]
        before = versions.current(names)
        db.session.add(Notification(user_id=buyer.id, kind="order_placed", params={}))
        db.session.commit()
        buyer.full_name = "Nama Baru"
        db.session.commit()
        assert versions.current(names) == before


def test_a_missing_fragment_is_rendered_once_while_the_previous_copy_is_served(make):
    """Single flight, in one process: while one thread renders a key, another is served the
    previous copy instead of rendering it too."""
    from app.catalog import cache, versions

    app = _signed_in_app(make, "flight")
    calls = []
    with app.test_request_context("/katalog"):
        body, outcome = cache._local_fragment("k", (1,), 60, lambda: calls.append(1) or "first")
        assert (body, outcome) == ("first", "miss")
        assert cache._local_fragment("k", (1,), 60, lambda: calls.append(1) or "again") == ("first", "hit")
        rendering = app.extensions["catalog_fragments_rendering"]
        rendering.add("k")  # another thread is rendering version 2 right now
        assert cache._local_fragment("k", (2,), 60, lambda: calls.append(1) or "second") == ("first", "stale")
        rendering.discard("k")
        assert cache._local_fragment("k", (2,), 60, lambda: calls.append(1) or "second") == ("second", "miss")
        assert len(calls) == 2
        assert versions.depends(["catalogue", "catalogue"]) == ("catalogue",)


def test_shared_fragments_single_flight_across_processes(make):
    redis = pytest.importorskip("redis")
    import uuid

    conn = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.5)
    try:
        conn.ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    from app.catalog import cache, versions

    prefix = f"pkbfragtest-{uuid.uuid4().hex[:10]}"
    app = make("shared", REDIS_URL="redis://127.0.0.1:6379/0", JOBS_QUEUE_PREFIX=prefix,
               CACHE_KEY_PREFIX=f"{prefix}:cache", CATALOG_CACHE_SECONDS=60, CATALOG_COUNT_TTL=60)
    try:
        with app.test_request_context("/katalog"):
            names = ("catalogue",)
            assert cache._shared_fragment(conn, "k", names, 60, lambda: "first") == ("first", "miss")
            assert cache._shared_fragment(conn, "k", names, 60, lambda: "other") == ("first", "hit")
            versions.bump(["catalogue"])
            # Another process holds the render lock: the previous copy is served meanwhile.
            lock = cache.shared_key("fragment", "k") + ":lock"
            conn.set(lock, b"1", px=5000)
            assert cache._shared_fragment(conn, "k", names, 60, lambda: "second") == ("first", "stale")
            assert 0 < conn.pttl(lock) <= cache.RENDER_LOCK_SECONDS * 1000  # bounded
            conn.delete(lock)
            assert cache._shared_fragment(conn, "k", names, 60, lambda: "second") == ("second", "miss")
            assert not conn.exists(lock)
    finally:
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)
        conn.close()


def _badge(page, href):
    found = re.search(rf'href="{re.escape(href)}"[^>]*>.*?(?:nav-tool-count">(\d+)|</a>)', page, re.S)
    return found.group(1) if found else None


def test_the_cached_header_follows_the_cart_the_notifications_and_the_roles(make):
    """Caches on: the bar is a fragment and the items a person sees are kept per process by
    their roles; each change of what the bar shows shows on the next page."""
    from app.models import Notification, User
    from tests import factories

    app = _signed_in_app(make, "header-cached")
    with app.app_context():
        products, _urls = _seed(factories, 3)
    client = _buyer_with_cart(app, products, items=1, unread=2)
    for _ in range(2):  # the second one is served from the cached bar
        page = client.get("/katalog").get_data(as_text=True)
    assert _badge(page, "/cart/") == "1" and _badge(page, "/notifications/") == "2"
    assert app.extensions["catalog_fragment_stats"]["hit"] > 0

    assert client.post(f"/cart/add/{products[1]}", data={"quantity": 1}).status_code in (302, 303)
    assert _badge(client.get("/katalog").get_data(as_text=True), "/cart/") == "2"

    with app.app_context():
        unread = db.session.execute(db.select(Notification.id).where(Notification.read_at.is_(None))).scalars().first()
    assert client.post(f"/notifications/{unread}/open").status_code in (302, 303)
    assert _badge(client.get("/katalog").get_data(as_text=True), "/notifications/") == "1"
    assert client.post("/notifications/read-all").status_code in (302, 303)
    assert _badge(client.get("/katalog").get_data(as_text=True), "/notifications/") is None

    page = client.get("/katalog").get_data(as_text=True)
    assert "Department purchases" not in page and "Pembelian dinas" not in page
    with app.app_context():
        buyer = db.session.execute(db.select(User).where(User.full_name == "Budi Santoso")).scalar_one()
        factories.department_role(buyer, "purchaser")
        db.session.commit()
    page = client.get("/katalog").get_data(as_text=True)
    assert "Department purchases" in page or "Pembelian dinas" in page  # a new duty: a new entry
    with app.app_context():
        buyer = db.session.execute(db.select(User).where(User.full_name == "Budi Santoso")).scalar_one()
        buyer.grant("seller")
        db.session.commit()
    page = client.get("/katalog").get_data(as_text=True)
    assert "My store" in page or "Toko saya" in page  # a new role: its menu


def test_the_product_pages_questions_and_reviews_are_fragments_a_change_drops(make):
    from app.models import OrderItem, ProductQuestion
    from tests import factories
    from tests.order_helpers import add, checkout, orders_of

    app = _signed_in_app(make, "product-parts")
    with app.app_context():
        products, _store = seed(factories, 2)
        product_id, slug = products[0].id, products[0].slug
        seller_email = factories.store_owner(products[0].store).email
    budi = _buyer_with_cart(app, [], items=0)
    url = f"/produk/{slug}"
    assert budi.get(url).status_code == 200
    with app.app_context(), db.engine.begin() as conn:  # behind the cache: no version bumped
        asker = conn.execute(db.text("SELECT id FROM users WHERE full_name = 'Budi Santoso'")).scalar_one()
        store_id = conn.execute(db.text("SELECT store_id FROM products WHERE id = :p"), {"p": product_id}).scalar_one()
        conn.execute(ProductQuestion.__table__.insert().values(  # Core: the columns' defaults, no event
            product_id=product_id, store_id=store_id, asker_id=asker, body="Tahan berapa hari?"))
    assert "Tahan berapa hari?" not in budi.get(url).get_data(as_text=True)  # the fragment is kept

    with app.app_context():
        sari = factories.BuyerFactory(full_name="Sari Wulandari")
        sari_email = sari.email
    other = app.test_client()
    other.post("/auth/login", data={"email": sari_email, "password": PASSWORD})
    asked = other.post(f"/diskusi/produk/{product_id}/tanya", data={"body": "Apakah ada ukuran besar?"})
    assert asked.status_code in (302, 303)
    page = budi.get(url).get_data(as_text=True)
    assert "Apakah ada ukuran besar?" in page and "Tahan berapa hari?" in page  # asking dropped it

    # A review (after a completed order) and the store's reply show on the next page too.
    add(other, product_id, 1)
    checkout(other)
    with app.app_context():
        order = orders_of(db.session.execute(db.text("SELECT id FROM users WHERE email = :e"),
                                             {"e": sari_email}).scalar_one())[0]
        order_id = order.id
        item_id = db.session.execute(db.select(OrderItem.id).where(OrderItem.order_id == order_id)).scalar_one()
    seller = app.test_client()
    seller.post("/auth/login", data={"email": seller_email, "password": PASSWORD})
    for step in ("accept", "ready", "delivered"):
        seller.post(f"/sales/{order_id}/{step}")
    other.post(f"/orders/{order_id}/confirm")
    assert "Enak sekali" not in budi.get(url).get_data(as_text=True)
    reviewed = other.post(f"/orders/items/{item_id}/review", data={"rating": "5", "comment": "Enak sekali"})
    assert reviewed.status_code == 303
    assert "Enak sekali" in budi.get(url).get_data(as_text=True)
    with app.app_context():
        review_id = db.session.execute(db.text("SELECT id FROM product_reviews")).scalar_one()
    assert seller.post(f"/sales/reviews/{review_id}/reply", data={"reply": "Terima kasih, Bu"}).status_code == 303
    assert "Terima kasih, Bu" in budi.get(url).get_data(as_text=True)


def test_a_short_page_knows_its_total_without_counting(make):
    """My orders' pagination: the count runs only when the page is full (more may follow)."""
    from app.models import User
    from app.orm import paginate_counting_less
    from tests import factories

    app = make("pages")
    with app.app_context():
        for _ in range(5):
            factories.BuyerFactory()
        db.session.commit()
        select = db.select(User.id).order_by(User.id)  # no eager loads: the statements are the pages
        with QueryCounter(app) as counter:
            last = paginate_counting_less(select, page=3, per_page=2)
        assert (counter.count, last.total, last.pages, len(last.items), last.has_next) == (1, 5, 3, 1, False)
        with QueryCounter(app) as counter:
            first = paginate_counting_less(select, page=1, per_page=2)
        assert (counter.count, first.total, first.pages, first.has_next) == (2, 5, 3, True)
        assert paginate_counting_less(select, page=4, per_page=2).total == 5  # past the end: counted
        assert paginate_counting_less(select, page=1, per_page=10).total == 5


def test_a_page_of_a_statement_built_once_is_the_same_page(make):
    """A statement built once (``page_of``) with its values bound per call gives the pages,
    totals and counts of the one built each time, for each value it is given."""
    from app.models import User
    from app.orm import page_of, paginate_counting_less
    from tests import factories

    app = make("prebuilt")
    with app.app_context():
        for _ in range(5):
            factories.BuyerFactory()
        db.session.commit()
        ids = db.session.execute(db.select(User.id).order_by(User.id)).scalars().all()
        prebuilt = page_of(db.select(User.id).where(User.id >= db.bindparam("from_id")).order_by(User.id))
        for from_id, page, per_page in ((ids[0], 1, 2), (ids[0], 3, 2), (ids[0], 4, 2), (ids[2], 1, 2),
                                        (ids[2], 2, 2), (ids[0], 1, 10)):
            built = paginate_counting_less(db.select(User.id).where(User.id >= from_id).order_by(User.id),
                                           page=page, per_page=per_page)
            with QueryCounter(app) as counter:
                kept = paginate_counting_less(prebuilt, page=page, per_page=per_page, params={"from_id": from_id})
                kept_total = kept.total
            assert (kept.items, kept_total, kept.pages, kept.has_next) == (
                built.items, built.total, built.pages, built.has_next), (from_id, page, per_page)
            assert counter.count == (1 if len(kept.items) < per_page and kept.items else 2)


def test_one_cached_bar_serves_every_page_of_a_view_with_its_own_path(make):
    """The bar is kept per person and view, not per URL: the language form's ``next`` is put
    in after, escaped, so each page returns to itself."""
    from tests import factories

    app = _signed_in_app(make, "bar-path")
    with app.app_context():
        products, _urls = _seed(factories, 2)
    client = _buyer_with_cart(app, products, items=1)
    client.get("/katalog?q=kopi")
    before = dict(app.extensions["catalog_fragment_stats"])
    for query in ("q=teh", 'q="><b>x</b>&sort=name'):
        response = client.get("/katalog?" + query)
        page = response.get_data(as_text=True)
        assert "PKB-NEXT-PLACEHOLDER" not in page
        shown = re.search(r'name="next" value="([^"]*)"', page).group(1)
        assert shown.replace("&amp;", "&").replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">") \
            == response.request.full_path
        assert "<b>x</b>" not in page  # escaped, as before
    assert app.extensions["catalog_fragment_stats"]["hit"] > before["hit"]


def test_the_translations_kept_for_a_request_follow_force_locale(make):
    """Templates read the request's translations once (app.i18n._request_translations); an
    e-mail rendered in its reader's language inside the request gets that language."""
    from flask import render_template_string
    from flask_babel import force_locale

    app = make("gettext")
    with app.test_request_context("/katalog"):
        assert render_template_string("{{ _('Close') }}") == "Tutup"
        with force_locale("en"):
            assert render_template_string("{{ _('Close') }} {{ ngettext('%(num)d day', '%(num)d days', 2) }}") \
                == "Close 2 days"
        assert render_template_string("{{ _('Close') }}") == "Tutup"
    with app.test_request_context("/katalog"), force_locale("en"):
        assert render_template_string("{{ _('Close') }}") == "Close"


def _csrf_free(page):
    """A page with its CSRF tokens (the reader's own, signed with the time) taken out."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)


def _login(app, email):
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.get("/")  # shows the welcome message: no flash is pending after it
    return client


def test_one_page_is_kept_for_every_buyer_with_each_readers_own_parts(make):
    """The catalogue, search, product, store and home pages are kept once for all buyers (per
    language); each reader gets their own bar, lists to save to and "Waiting for you", and the
    page is the one they would get with every cache off."""
    from app.models import User
    from app.services import shopping_lists
    from tests import factories

    app = _signed_in_app(make, "buyer-pages")
    with app.app_context():
        products, urls = _seed(factories, 4)
        urls["home"] = "/"
    budi = _buyer_with_cart(app, products, items=1)
    with app.app_context():
        buyer = db.session.execute(db.select(User).where(User.full_name == "Budi Santoso")).scalar_one()
        shopping_lists.create_list(buyer, "Rapat koordinasi Desember")
        sari_email = factories.BuyerFactory(full_name="Sari Wulandari").email
        db.session.commit()
    sari = _login(app, sari_email)
    budi.get("/cart/")  # shows the "added to the cart" message: no flash is pending after it
    for name, url in urls.items():
        first = budi.get(url)
        assert first.headers["X-Cache"] == "miss", name
        kept = sari.get(url)
        assert kept.headers["X-Cache"] == "hit", name
        page, own = kept.get_data(as_text=True), budi.get(url).get_data(as_text=True)
        assert "Sari Wulandari" in page and "Budi Santoso" not in page, name
        assert "Budi Santoso" in own, name
        assert "pkb-personal" not in page and "PKB-CSRF-PLACEHOLDER" not in page, name
        assert re.search(r'name="csrf_token" value="([^"]+)"', page).group(1) != \
            re.search(r'name="csrf_token" value="([^"]+)"', own).group(1), name
        assert _badge(page, "/cart/") is None and _badge(own, "/cart/") == "1", name
    product_page = sari.get(urls["product"]).get_data(as_text=True)
    assert "Rapat koordinasi Desember" not in product_page
    assert "Rapat koordinasi Desember" in budi.get(urls["product"]).get_data(as_text=True)
    assert "Waiting for you" in budi.get("/").get_data(as_text=True) or \
        "Menunggu Anda" in budi.get("/").get_data(as_text=True)  # the cart line waits for Budi

    kept = {name: _csrf_free(budi.get(url).get_data(as_text=True)) for name, url in urls.items()}
    app.config.update(CATALOG_CACHE_SECONDS=0, CATALOG_FRAGMENT_SECONDS=0)
    for name, url in urls.items():
        response = budi.get(url)
        assert "X-Cache" not in response.headers, name
        assert _csrf_free(response.get_data(as_text=True)) == kept[name], name


def test_a_seller_a_flash_or_the_readers_own_name_gets_a_page_of_its_own(make):
    from tests import factories

    app = _signed_in_app(make, "own-pages")
    with app.app_context():
        products, urls = _seed(factories, 2)
        seller_email = factories.store_owner(factories.StoreFactory(verified=True)).email
    budi = _buyer_with_cart(app, [], items=0)
    seller = _login(app, seller_email)
    for _ in range(2):  # a seller answers their store's questions: never a shared copy
        assert "X-Cache" not in seller.get(urls["product"]).headers

    added = budi.post(f"/cart/add/{products[0]}", data={"quantity": 1, "next": urls["product"]})
    assert added.status_code in (302, 303)
    flashed = budi.get(urls["product"])  # the "added to the cart" message is this reader's
    assert "X-Cache" not in flashed.headers
    assert budi.get(urls["product"]).headers["X-Cache"] == "miss"

    own_name = "/katalog?q=Budi+Santoso"  # the search box shows the reader's name: not kept
    assert budi.get(own_name).headers["X-Cache"] == "miss"
    assert budi.get(own_name).headers["X-Cache"] == "miss"


def test_a_page_kept_for_buyers_costs_only_the_readers_own_statements(make):
    """On a hit of the kept page: the signed-in user's statement, and on the product page
    the lists of "Save to list"; nothing of the page itself."""
    from tests import factories

    app = _signed_in_app(make, "kept-counts")
    with app.app_context():
        products, urls = _seed(factories, 4)
        urls["home"] = "/"
        sari_email = factories.BuyerFactory(full_name="Sari Wulandari").email
        db.session.commit()
    budi = _buyer_with_cart(app, products, items=1)
    budi.get("/cart/")  # no flash pending
    for url in urls.values():
        budi.get(url)  # keeps the pages
    counts = _counts(app, _login(app, sari_email), urls)
    assert counts == {"catalogue": 1, "search": 1, "product": 2, "store": 1, "home": 1}, counts
