"""Small helpers the account tests share: links from the outbox, row counts."""
import re
from contextlib import contextmanager

from app.extensions import db

LINK = re.compile(r"https?://\S+")


def count(app, model):
    """Rows of ``model`` in the app's database."""
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def last_link(app, to, path_part):
    """The newest link containing ``path_part`` in e-mails to ``to``, as a local path."""
    from tests.conftest import outbox

    for _to, _subject, body in reversed(outbox(app, to=to)):
        for url in LINK.findall(body):
            if path_part in url:
                return "/" + url.split("://", 1)[1].split("/", 1)[1]
    raise AssertionError(f"no e-mail to {to} with a {path_part} link")


def page_text(response):
    return response.get_data(as_text=True)


@contextmanager
def counting_statements():
    """The SQL statements run inside the block (needs an app context): for tests that bound
    how many queries a page or a template costs."""
    from sqlalchemy import event

    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


TEST_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_or_skip(url=TEST_REDIS_URL):
    """A client of the test Redis; the test is skipped where none answers (the suite also
    runs on machines without Redis)."""
    import pytest
    import redis

    conn = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        conn.ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {url}")
    return conn
