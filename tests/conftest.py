"""Test fixtures: a fresh app and database per test.

SQLite (default): each test gets its own database file.
PostgreSQL (``TEST_DATABASE_URL`` set): each test process gets its own schema, created
once from the models and emptied after every test, so several runs (and pytest-xdist
workers) can share one server without seeing each other.
"""
import os
import uuid

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text

from app import create_app
from app.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "Rahasia-Kuat-2026"

BASE_CONFIG = {
    "TESTING": True,
    "ENV_NAME": "testing",
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": None,
    "MAIL_KEEP_OUTBOX": True,
    "PASSWORD_HASH_PROFILE": "fast",
    "SERVER_NAME": None,
    "BASE_URL": "http://localhost",
    # Jobs run before the response, so a test's next line sees their work.
    "JOBS_IN_PROCESS": "inline",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: browser test (Playwright + Chromium)")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (TEST_DATABASE_URL)")
    config.addinivalue_line("markers", "no_database: reads only the code (lint, type check, catalogue "
                                       "extraction): run in the SQLite stage, skipped in the PostgreSQL one")


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL stage runs what a database can change; a test of the code alone gives the
    same answer there as in the SQLite stage, so it runs once per CI run."""
    if not TEST_DATABASE_URL:
        return
    skip = pytest.mark.skip(reason="reads only the code: checked in the SQLite stage")
    for item in items:
        if item.get_closest_marker("no_database"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_schema():
    """One schema per test process on PostgreSQL; None on SQLite."""
    if not TEST_DATABASE_URL:
        yield None
        return
    from app.config import normalise_database_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(normalise_database_url(TEST_DATABASE_URL))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def database_config(tmp_path, schema):
    if schema is None:
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}"}
    from app.config import normalise_database_url

    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(TEST_DATABASE_URL),
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
    }


_schema_ready = {}
_sqlite_template = {}


def _sqlite_path(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        return uri[len("sqlite:///"):]
    return None


def _create_sqlite_schema(app):
    """create_all on SQLite costs one fsync per table; do it once per process and copy
    the empty database file for every further test (a copy takes a millisecond)."""
    import shutil
    import tempfile

    path = _sqlite_path(app)
    key = tuple(sorted(db.metadata.tables))
    template = _sqlite_template.get(key)
    if path is None:
        db.create_all()
    elif template is not None and not os.path.exists(path):
        shutil.copyfile(template, path)
    else:
        db.create_all()
        db.engine.dispose()
        template = os.path.join(tempfile.mkdtemp(prefix="pkb-schema-"), "empty.sqlite3")
        shutil.copyfile(path, template)
        _sqlite_template[key] = template


class SharedTemplateCode(BytecodeCache):
    """Every test builds a new app, and every new app's Jinja environment compiled each template
    it rendered again from source: about a third of a typical test's time. The compiled code is
    kept here for the whole test process instead, keyed by template and checked against the
    source's checksum by Jinja (an edited template compiles again). All the apps of a run have the
    same Jinja settings, which the code depends on."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def _no_fsync(dbapi_connection, _record):
    """A test's SQLite file is thrown away after the test: no commit waits for the disk (each
    waited ~7 ms here). Locking and journaling are SQLite's usual ones."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def share_test_speedups(app):
    """The shared template code, and no fsync on SQLite: for every app a test builds."""
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    if _sqlite_path(app):
        with app.app_context():
            event.listen(db.engine, "connect", _no_fsync)


def make_app(tmp_path, schema, **overrides):
    config = dict(BASE_CONFIG)
    config.update(database_config(tmp_path, schema))
    config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    config.update(overrides)
    app = create_app(config)
    share_test_speedups(app)
    with app.app_context():
        if schema is None:
            _create_sqlite_schema(app)
        elif not _schema_ready.get(schema):
            db.create_all()
            _schema_ready[schema] = True
    return app


def release_app(app, schema):
    """End a module-scoped app: empty its PostgreSQL schema for the next module, close its pool."""
    if schema is not None:
        empty_tables(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_tables(app):
    """Empty every table and restart the id sequences. DELETE on the (few, small) tables a
    test filled is far cheaper than TRUNCATE, which rewrites the files of every table."""
    with app.app_context():
        db.session.remove()
        deletes = ";".join(f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if deletes:
                conn.exec_driver_sql(deletes)
            conn.exec_driver_sql(
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()")
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _real_clock():
    """Every test starts and ends at the real time."""
    from app import clock

    clock.reset()
    yield
    clock.reset()


def serve(tmp_path, schema, **overrides):
    """The ``app`` fixture's body, for a test module whose app needs other settings:
    ``yield from serve(tmp_path, pg_schema, SETTING=value)``. Afterwards PostgreSQL's
    tables are emptied (the schema stays for the next test); SQLite's file is let go."""
    app = make_app(tmp_path, schema, **overrides)
    yield app
    if schema is not None:
        empty_tables(app)
    else:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(tmp_path, pg_schema):
    yield from serve(tmp_path, pg_schema)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD, follow=False, **extra):
        return self._client.post("/auth/login", data={"email": email, "password": password, **extra},
                                 follow_redirects=follow)

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def factories(app_ctx):
    """The factory classes, bound to the current app's session."""
    from tests import factories

    return factories


def outbox(app, to=None):
    """Messages in the outbox (newest last), optionally only those to one address."""
    from app.models import OutboxMessage

    with app.app_context():
        query = db.select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to == to)
        rows = db.session.execute(query).scalars().all()
        return [(m.to, m.subject, m.body_text) for m in rows]
