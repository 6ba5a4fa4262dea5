"""app.pool_check: a pooled connection is pinged only after it sat idle, and a connection that
fails its check is replaced before the request uses it."""
import pytest
from sqlalchemy import create_engine, text

from app import pool_check
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL, serve


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def moved(monkeypatch):
    """The pool's clock, and the pings sent (a list of connections)."""
    clock = Clock()
    pings = []
    real_ping = pool_check.ping

    def counted(dialect, dbapi_connection):
        pings.append(dbapi_connection)
        real_ping(dialect, dbapi_connection)

    monkeypatch.setattr(pool_check, "clock", clock)
    monkeypatch.setattr(pool_check, "ping", counted)
    return clock, pings


def use_once():
    """Check a connection out, run one statement, give it back; its driver connection."""
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT 2")).scalar() == 2
        return conn.connection.dbapi_connection


def test_a_connection_back_from_use_a_moment_ago_is_not_pinged(app_ctx, moved):
    clock, pings = moved
    first = use_once()  # a new connection: nothing to check
    clock.now += 9.9
    assert use_once() is first
    clock.now += 9.9
    assert use_once() is first
    assert pings == []


def test_a_connection_idle_longer_than_the_limit_is_pinged_and_kept(app_ctx, moved):
    clock, pings = moved
    first = use_once()
    clock.now += 10.5
    assert use_once() is first
    assert pings == [first]


def test_a_connection_that_fails_its_check_is_replaced_before_use(app_ctx, moved):
    clock, pings = moved
    first = use_once()
    first.close()  # the database, a proxy or a firewall dropped it while it sat in the pool
    clock.now += 60
    second = use_once()  # the statement in use_once runs: no error reaches the request
    assert second is not first
    assert pings[0] is first


def test_a_page_after_the_connection_was_dropped_is_served(app, client, moved):
    clock, _pings = moved
    assert client.get("/katalog").status_code == 200
    with app.app_context():
        with db.engine.connect() as conn:
            conn.connection.dbapi_connection.close()
    clock.now += 60
    assert client.get("/katalog").status_code == 200


@pytest.fixture
def ping_always(tmp_path, pg_schema):
    yield from serve(tmp_path, pg_schema, DATABASE_PING_IDLE_SECONDS=0)


def test_zero_pings_at_every_checkout(ping_always, moved):
    _clock, pings = moved
    with ping_always.app_context():
        first = use_once()
        use_once()
        use_once()
        # The check leaves no transaction open: a connection may still be switched to
        # autocommit (VACUUM, backups), which psycopg refuses inside a transaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            assert conn.execute(text("SELECT 3")).scalar() == 3
    assert pings == [first, first, first]


def test_the_default_replaces_pool_pre_ping():
    from app.config import from_environment

    config = from_environment("/tmp")
    assert "pool_pre_ping" not in config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert config["DATABASE_PING_IDLE_SECONDS"] is None  # pool_check.DEFAULT_IDLE_SECONDS


@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgres"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_postgresql_backend_ended_by_the_server_is_replaced(app, client, moved):
    """What a database restart or an idle-connection timeout does: the server ends the backend
    of a pooled connection. The next request after the idle limit gets a fresh one."""
    from app.config import normalise_database_url

    clock, pings = moved
    assert client.get("/katalog").status_code == 200
    with app.app_context():
        with db.engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    other = create_engine(normalise_database_url(TEST_DATABASE_URL))
    with other.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    other.dispose()
    clock.now += 60
    assert client.get("/katalog").status_code == 200
    assert len(pings) == 1
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
