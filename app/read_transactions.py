"""On PostgreSQL, a request that only read ends its transaction with COMMIT, not ROLLBACK.

Why: psycopg forgets every prepared statement of a connection at each ROLLBACK, and the
session's transaction is rolled back at the end of every request. So every request parsed
and planned each of its statements again, on every page: planning the signed-in user's
statement (session, user, roles, department roles, cart and unread counts) takes longer
than running it (measured: ~1.2 ms a request rolled back against ~0.7 ms committed, the
statement with its round trips). psycopg prepares a statement once it has run five times
on a connection; a transaction ended with COMMIT keeps what it prepared. For the database
a COMMIT of a transaction that only read is the same as a ROLLBACK: nothing was written.

Only then: a transaction that ran anything but a SELECT, holds unflushed changes, has jobs
waiting for its commit, or whose request ended in an exception is rolled back as before
(Flask-SQLAlchemy's own teardown, which runs after this one). SQLite keeps the rollback:
its driver has no statement cache to lose.
"""
import logging
import re

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

#: Set on a pooled connection's ``info`` by a statement that is not a SELECT; cleared when
#: a transaction begins on it.
WROTE = "pkb_transaction_wrote"

_registered = False


#: Runs on every statement: matched in place (``lstrip().upper()`` copied the whole text).
_A_SELECT = re.compile(r"\s*select\b", re.IGNORECASE).match


def _note_writes(conn, cursor, statement, parameters, context, executemany):
    if not _A_SELECT(statement):
        conn.info[WROTE] = True


def _begin(conn):
    conn.info.pop(WROTE, None)


#: Set on a session's ``info`` when its transaction takes a connection; cleared at its end.
CONNECTED = "pkb_transaction_connected"


def _connected(session, _transaction, _connection):
    session.info[CONNECTED] = True


def _ended(session):
    session.info.pop(CONNECTED, None)


def only_read(session) -> bool:
    """The session's transaction ran SELECTs only, has nothing to flush and no job waiting."""
    if session.new or session.dirty or session.deleted or session.info.get("pkb_jobs"):
        return False
    return not session.connection().info.get(WROTE)


def register(app):
    """The statement hooks (once per process) and a request teardown: it runs when the
    request ends, before the app context's teardowns, where Flask-SQLAlchemy removes the
    session (and rolls back what is left). Only web requests: a command, a job or a test
    with an app context of its own ends as before."""
    global _registered
    from app.extensions import db

    if not _registered:
        from flask_sqlalchemy.session import Session

        event.listen(Engine, "before_cursor_execute", _note_writes)
        event.listen(Engine, "begin", _begin)
        event.listen(Session, "after_begin", _connected)
        event.listen(Session, "after_commit", _ended)
        event.listen(Session, "after_rollback", _ended)
        _registered = True

    @app.teardown_request
    def end_reads_with_commit(error):
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        try:
            # A request that never reached the database (a signed-in page whose user and page
            # were both kept) has no connection to end: taking one only to commit cost ~0.3 ms.
            if not session.info.get(CONNECTED) or not session.in_transaction() \
                    or session.get_bind().dialect.name != "postgresql":
                return
            if only_read(session):
                # Without expiring what was loaded: the session is closed next, as after a
                # rollback, and an object read before stays readable (a rendered page's, a
                # test's). Nothing was written, so nothing loaded is out of date.
                expire, session.expire_on_commit = session.expire_on_commit, False
                try:
                    session.commit()
                finally:
                    session.expire_on_commit = expire
        except Exception:  # noqa: BLE001 - a teardown never fails the response; the rollback follows
            log.warning("could not end a read-only transaction with COMMIT", exc_info=True)
