"""With REDIS_URL a process keeps the signed-in user it read, so a page asks the database
nothing for them; any commit that changes what it kept (the user, their roles, department
roles, sessions, cart, notifications), in any process, makes every process read it again.
Two apps on one database and one Redis stand for two workers."""
import re
import uuid

import pytest

from app.extensions import db
from app.services import signed_in_cache
from tests.conftest import PASSWORD, empty_tables, make_app
from tests.helpers import redis_or_skip
from tests.test_catalog_cache_redis import serve_two
from tests.test_catalog_queries import QueryCounter, seed


@pytest.fixture
def workers(tmp_path, pg_schema):
    conn = redis_or_skip()
    prefix = f"pkbsignedin-{uuid.uuid4().hex[:10]}"
    yield from serve_two(tmp_path, pg_schema, conn, prefix,
                         SIGNED_IN_CACHE_SECONDS=60, CATALOG_CACHE_SECONDS=0, CATALOG_COUNT_TTL=0)
    conn.close()


def _buyer(app, products=True, name="Budi Santoso"):
    """(buyer id, product ids, a logged-in client of ``app``); ``products``: seed some first."""
    from tests import factories

    with app.app_context():
        products = seed(factories, 3)[0] if products else []
        buyer = factories.BuyerFactory(full_name=name)
        db.session.commit()
        buyer_id, email, product_ids = buyer.id, buyer.email, [p.id for p in products]
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return buyer_id, product_ids, client


def _same_browser(client, app):
    """A client of ``app`` carrying ``client``'s cookies (the same browser, another worker)."""
    other = app.test_client()
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value)
    return other


def _cart_badge(page):
    found = re.search(r'href="/cart/"[^>]*>.*?nav-tool-count">(\d+)', page, re.S)
    return int(found.group(1)) if found else 0


def _page(app, client, url="/katalog"):
    with QueryCounter(app) as counter:
        response = client.get(url)
    return response, counter.count


def test_a_signed_in_page_asks_the_database_nothing_for_the_user_it_kept(workers):
    first, _second = workers
    _buyer_id, _products, client = _buyer(first)
    with QueryCounter(first) as read:
        client.get("/cart/")  # the user read, and kept
    with QueryCounter(first) as kept:
        page = client.get("/cart/")
    assert page.status_code == 200 and "Budi Santoso" in page.get_data(as_text=True)
    assert any("user_sessions" in statement for statement in read.statements)
    # The cart page's own statements only: none for the session, user, roles or badges.
    assert not any("user_sessions" in statement or "user_roles" in statement for statement in kept.statements)
    assert kept.count == read.count - 1


def test_a_cart_change_in_one_worker_shows_in_the_other_at_once(workers):
    first, second = workers
    _buyer_id, products, client = _buyer(first)
    elsewhere = _same_browser(client, second)
    assert _cart_badge(elsewhere.get("/katalog").get_data(as_text=True)) == 0
    assert client.post(f"/cart/add/{products[0]}", data={"quantity": 1}).status_code in (302, 303)
    assert _cart_badge(elsewhere.get("/katalog").get_data(as_text=True)) == 1
    assert client.post(f"/cart/add/{products[1]}", data={"quantity": 1}).status_code in (302, 303)
    assert _cart_badge(elsewhere.get("/katalog").get_data(as_text=True)) == 2


def test_ending_the_session_or_deactivating_the_user_signs_them_out_everywhere(workers):
    from app.models import User, UserSession

    first, second = workers
    buyer_id, _products, client = _buyer(first)
    elsewhere = _same_browser(client, second)
    assert elsewhere.get("/cart/").status_code == 200  # kept by the second worker
    with first.app_context():
        db.session.execute(db.update(UserSession).where(UserSession.user_id == buyer_id)
                           .values(ended_at=db.func.now(), end_reason="logout_all"))
        db.session.commit()
    assert elsewhere.get("/cart/").status_code in (302, 401)  # to the log-in page

    _buyer_id2, _p, again = _buyer(first, products=False, name="Sari Wulandari")
    elsewhere = _same_browser(again, second)
    assert elsewhere.get("/cart/").status_code == 200
    with first.app_context():
        user = db.session.get(User, _buyer_id2)
        user.active = False
        db.session.commit()
    assert elsewhere.get("/cart/").status_code in (302, 401)


def test_a_role_taken_away_or_a_notification_shows_in_the_other_worker(workers):
    from app.models import Notification, User

    first, second = workers
    buyer_id, _products, client = _buyer(first)
    elsewhere = _same_browser(client, second)
    assert elsewhere.get("/cart/").status_code == 200
    with first.app_context():
        db.session.add(Notification(user_id=buyer_id, kind="order_placed", params={}))
        db.session.commit()
    page = elsewhere.get("/katalog").get_data(as_text=True)
    assert re.search(r'href="/notifications/"[^>]*>.*?nav-tool-count">1', page, re.S)
    with first.app_context():
        db.session.get(User, buyer_id).revoke("buyer")
        db.session.commit()
    assert elsewhere.get("/cart/").status_code == 403


def test_a_write_whose_user_cannot_be_told_drops_every_kept_user(workers):
    first, second = workers
    _buyer_id, _products, client = _buyer(first)
    elsewhere = _same_browser(client, second)
    elsewhere.get("/katalog")
    with first.app_context():
        db.session.execute(db.text("UPDATE users SET full_name = 'Budi Baru' WHERE full_name = :old"),
                           {"old": "Budi Santoso"})
        db.session.commit()
    assert "Budi Baru" in elsewhere.get("/cart/").get_data(as_text=True)


def test_a_kept_user_is_read_again_after_the_setting_s_seconds(workers, monkeypatch):
    first, _second = workers
    _buyer_id, _products, client = _buyer(first)
    client.get("/katalog")
    kept = _page(first, client)[1]
    now = signed_in_cache.clock()
    monkeypatch.setattr(signed_in_cache, "clock", lambda: now + 61)
    assert _page(first, client)[1] == kept + 1  # read again (and kept from then on)
    assert _page(first, client)[1] == kept


def test_without_redis_answering_the_user_is_read_from_the_database(workers, monkeypatch):
    first, _second = workers
    _buyer_id, _products, client = _buyer(first)
    client.get("/katalog")

    def down():
        raise ConnectionError("Redis is down")

    kept = _page(first, client)[1]
    monkeypatch.setattr(signed_in_cache, "_redis", down)
    response, statements = _page(first, client)
    assert response.status_code == 200 and "Budi Santoso" in response.get_data(as_text=True)
    assert statements == kept + 1


def test_nothing_is_kept_without_redis(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, SIGNED_IN_CACHE_SECONDS=60)
    try:
        _buyer_id, _products, client = _buyer(app)
        assert _page(app, client)[1] == _page(app, client)[1]  # the user read each time
        assert any("user_sessions" in s for s in _statements(app, client))
    finally:
        if pg_schema is not None:
            empty_tables(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _statements(app, client, url="/katalog"):
    with QueryCounter(app) as counter:
        client.get(url)
    return counter.statements


def test_a_kept_user_never_overwrites_the_one_the_request_already_holds(workers):
    from app.models import User

    first, _second = workers
    buyer_id, _products, client = _buyer(first)
    client.get("/katalog")
    [snapshot] = first.extensions["pkb_signed_in_snapshots"].values()
    with first.app_context():
        user = db.session.get(User, buyer_id)
        user.full_name = "Belum Disimpan"
        attached, make_row = snapshot.attach(db.session)
        assert attached is user and attached.full_name == "Belum Disimpan"
        row = make_row()
        assert row.user_id == buyer_id and attached.roles == {"buyer"}
        assert make_row() is row  # the session row too: made once, then the one held
        db.session.rollback()


def test_a_kept_users_session_row_is_made_only_for_a_page_that_reads_it(workers):
    """Most pages never read the browser's session row: a kept user brings its values and the
    row becomes an object of the request only when a page asks (the account's sessions list,
    a log-out). Those pages still find the right row."""
    from flask import g
    from flask_login import current_user

    from app.models import UserSession

    first, _second = workers
    held = {}

    @first.after_request
    def note_rows(response):
        if current_user.is_authenticated:
            held[response.status_code, g.get("pkb_signed_in_snapshot") is not None] = sorted(
                type(obj).__name__ for obj in db.session.identity_map.values())
        return response

    _buyer_id, _products, client = _buyer(first)

    client.get("/katalog")  # read from the database, and kept
    held.clear()
    assert client.get("/katalog").status_code == 200
    assert held and all("UserSession" not in names for names in held.values())
    [snapshot] = first.extensions["pkb_signed_in_snapshots"].values()
    sessions_page = client.get("/account/")
    assert sessions_page.status_code == 200
    text = sessions_page.get_data(as_text=True)
    with first.app_context():
        live = db.session.execute(db.select(UserSession)).scalars().all()
    assert [row.id for row in live] == [snapshot.session["id"]]
    assert text.count("This device") + text.count("Perangkat ini") == 1  # the kept row is this one
    assert client.post("/auth/logout").status_code in (302, 303)
    with first.app_context():
        assert db.session.get(UserSession, snapshot.session["id"]).ended_at is not None
    assert client.get("/cart/").status_code == 302  # the ended session opens nothing any more
