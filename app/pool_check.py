"""A pooled database connection is checked before use only when it has sat idle.

Why: SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` at every checkout, that is at every
request: on PostgreSQL one round trip more beside the request's ``BEGIN``, its statements and
its ``COMMIT`` (a quarter of those of a signed-in page whose user is its only statement).

A connection given back to the pool a moment ago was working a moment ago. So a connection
is pinged only when it was checked in more than ``DATABASE_PING_IDLE_SECONDS`` ago (default
10; 0 pings at every checkout, as ``pool_pre_ping`` did). A ping that fails raises
``DisconnectionError``, and the pool replaces the connection and tries again: a restarted or
failed-over database, or a firewall that dropped idle connections, costs the request nothing.

What this gives up: when the database restarts while a connection is in busy use, the next
request on it fails once (an error page) instead of being retried; SQLAlchemy then sees the
disconnect and renews every connection of that process's pool, so each process sees at most
one such request per restart.
"""
import time

from sqlalchemy import event, exc

#: When the connection went back to the pool (``connection_record.info``).
CHECKED_IN = "pkb_checked_in_at"

DEFAULT_IDLE_SECONDS = 10.0

clock = time.monotonic  # tests move it


def ping(dialect, dbapi_connection):
    """The dialect's own check, as ``pool_pre_ping`` sends it (on psycopg a ``SELECT 1`` in
    autocommit, so no transaction is left open); raises what the driver raises."""
    dialect.do_ping(dbapi_connection)


def watch(engine, idle_seconds):
    """Check ``engine``'s pooled connections at checkout when idle longer than ``idle_seconds``."""

    def checked_in(_dbapi_connection, record):
        if record is not None:
            record.info[CHECKED_IN] = clock()

    def checkout(dbapi_connection, record, _proxy):
        since = record.info.pop(CHECKED_IN, None)
        if since is None or clock() - since < idle_seconds:
            return  # just connected, or back from use a moment ago
        try:
            ping(engine.dialect, dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any driver error: the pool replaces the connection
            raise exc.DisconnectionError(f"the pooled connection failed its check: {type(error).__name__}") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checkout)


def register(app, db):
    """Watch every engine of the app (``db.init_app`` made them)."""
    idle = app.config.get("DATABASE_PING_IDLE_SECONDS")
    idle = DEFAULT_IDLE_SECONDS if idle is None else float(idle)
    with app.app_context():
        for engine in db.engines.values():
            watch(engine, idle)
