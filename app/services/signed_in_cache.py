"""The signed-in user kept between requests, so that a page asks the database nothing for it.

Why: every signed-in page read the session row, the user, their roles, department roles and
the bar's two counts in one statement: measured ~1.5 ms a request in process on PostgreSQL
(checkout, round trips, ORM loading), nearly half of a signed-in catalogue page whose page
itself comes from the cache.

How it stays right: each process keeps what that statement read (plain column values, a
``Snapshot``) under the session's user id and secret, tagged with two counters in Redis, the
user's (``<prefix>:signed-in:user:<id>``) and everyone's (``<prefix>:signed-in:all``), read
together in one ``MGET`` before the database is. A commit that wrote any row the snapshot
holds (the user, their roles, department roles, sessions, cart and its lines,
notifications) increments the user's counter after the commit; a write whose user cannot be
told (a bulk UPDATE by another column, raw SQL) increments everyone's. A snapshot whose
counters moved is read again from the database. The counters are read before the database,
so a commit that lands between the two makes the next request read again.

Only with ``REDIS_URL``: the counters must be shared by every process, or a log-out in one
worker would leave the others trusting the old row. ``SIGNED_IN_CACHE_SECONDS`` (default 30
in production, off in tests unless set, 0 off) bounds how long a snapshot is trusted at all:
a change made outside the app (``psql``), or during a Redis failure, shows within it. If
Redis cannot be reached, the database is read, as before.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.catalog import versions
from app.catalog.versions import listen_to_commits, written

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 30.0
MAX_ENTRIES = 4096

#: Tables whose rows a snapshot holds -> the column that names the user (``cart_id``: through
#: the cart).
WATCHED = {
    "users": "id", "user_roles": "user_id", "department_roles": "user_id", "user_sessions": "user_id",
    "carts": "user_id", "cart_items": "cart_id", "notifications": "user_id",
    # What is kept with a snapshot for its request (``kept``): the lists a buyer may add to,
    # their own and those colleagues share with them to edit.
    "shopping_lists": "owner_id", "shopping_list_shares": "user_id",
}
#: Changes of a row that show to other users than the one its column names: a list renamed
#: or given away shows to everyone it is shared with, an owner who moves department takes
#: their shared lists away from their colleagues. Such a change marks everyone changed.
SEEN_BY_OTHERS = {"shopping_lists": frozenset({"name", "owner_id"}), "users": frozenset({"department_id"})}
#: Changes that show to nobody: adding to a list stamps its updated_at.
UNSEEN = {"shopping_lists": frozenset({"updated_at"})}
EVERYONE = "all"

_lock = threading.Lock()
clock = time.monotonic  # tests move it


def seconds() -> float:
    """How long a snapshot is trusted; 0 when the cache is off (no Redis, or set to 0)."""
    if not has_app_context() or not current_app.config.get("REDIS_URL"):
        return 0.0
    value = current_app.config.get("SIGNED_IN_CACHE_SECONDS")
    if value is None:
        return 0.0 if current_app.testing else DEFAULT_SECONDS
    return max(float(value), 0.0)


def _key(who) -> str:
    from app.catalog.cache import cache_prefix  # the catalogue caches' prefix, shared

    return f"{cache_prefix()}:signed-in:{'all' if who == EVERYONE else f'user:{who}'}"


def _store() -> OrderedDict:
    """This app's snapshots (one app per worker process; tests build several)."""
    return current_app.extensions.setdefault("pkb_signed_in_snapshots", OrderedDict())


def _redis():
    from app.jobs import redis_connection

    return redis_connection()


class Snapshot:
    """What the signed-in statement read, as plain values (no ORM state is kept across
    requests), and the counters it was read at."""

    __slots__ = ("user", "roles", "session", "department_roles", "cart_count", "unread_count", "tag", "stored_at",
                 "kept")

    def __init__(self, user, session_row, department_roles, cart_count, unread_count, tag):
        self.user = _columns(user)
        self.roles = [_columns(row) for row in user.role_rows]
        self.session = _columns(session_row)
        self.department_roles, self.cart_count, self.unread_count = department_roles, cart_count, unread_count
        self.tag, self.stored_at = tag, clock()
        self.kept: dict = {}  # values of this user worked out on later requests (``kept``)

    def attach(self, session):
        """The user as a persistent object of ``session``, without SQL, and a callable that
        makes their session row one the same way (most pages never read the row: it is made
        on first use). An object the session already holds is used as it is (never
        overwritten)."""
        from app.models import User, UserRole, UserSession

        def held_or_added(model, values, prepare=None):
            held = session.identity_map.get(session.identity_key(model, values["id"]))
            if held is not None:
                return held
            # A new detached object, made for this session alone: added as it is (persistent,
            # nothing to flush), which is what merge(load=False) did with a copy, at half the cost.
            obj = _detached(model, values)
            if prepare is not None:
                prepare(obj)
            session.add(obj)
            return obj

        def with_roles(user):
            set_committed_value(user, "role_rows", [_detached(UserRole, values) for values in self.roles])

        return held_or_added(User, self.user, with_roles), lambda: held_or_added(UserSession, self.session)


def _columns(obj) -> dict:
    loaded = obj.__dict__
    return {attr.key: loaded[attr.key] for attr in obj.__mapper__.column_attrs if attr.key in loaded}


def _detached(model, values):
    """An object of ``model`` with these column values, as if loaded and then detached. Made
    without the model's constructor, whose attribute events per column cost more than the
    rest of the attach together; make_transient_to_detached then records the values as the
    committed state (nothing to flush) and marks what is not given as not loaded."""
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    return obj


def for_request(snapshot):
    """The snapshot this request's signed-in user came from (or was kept as)."""
    if has_request_context():
        g.pkb_signed_in_snapshot = snapshot


def kept(user, name, compute):
    """A value of the signed-in ``user`` (plain data: rows, tuples) kept with their snapshot,
    so that later requests of this session take it instead of running ``compute()`` again.
    Only for values made from the rows ``WATCHED`` names (a change of those marks the user
    changed, and the snapshot is read again); computed each time without a snapshot (no
    Redis, the cache off, another user than the signed-in one, a commit in this request)."""
    snapshot = g.get("pkb_signed_in_snapshot") if has_request_context() else None
    if snapshot is None or snapshot.user.get("id") != getattr(user, "id", None):
        return compute()
    if name not in snapshot.kept:
        snapshot.kept[name] = compute()
    return snapshot.kept[name]


def tag_now(user_id):
    """The counters (everyone's, the user's) as they are now, or None if Redis fails.
    Everyone's starts at a random number: Redis keeps nothing on disk, and counters that
    restarted from nothing could come back to the numbers of a snapshot read before."""
    try:
        conn = _redis()
        keys = [_key(EVERYONE), _key(user_id)] + [versions.key_of(name) for name in versions.GLOBAL]
        read = conn.mget(keys)
        if read[0] is None:
            conn.set(keys[0], secrets.randbits(48), nx=True)
            read = conn.mget(keys)
        # The catalogue's versions that name no row come in the same round trip: the page and
        # the bar of this request are then looked up without asking Redis for them again.
        versions.remember(versions.GLOBAL, read[2:])
        return tuple(read[:2])
    except Exception:  # noqa: BLE001 - Redis down: read the database
        log.warning("signed-in cache: Redis unreachable", exc_info=True)
        return None


def get(user_id, token_hash, tag):
    """The snapshot kept for this session if it was read at ``tag`` and is young enough."""
    if tag is None:
        return None
    with _lock:
        snapshot = _store().get((user_id, token_hash))
    if snapshot is None or snapshot.tag != tag or clock() - snapshot.stored_at >= seconds():
        return None
    return snapshot


def put(user_id, token_hash, snapshot):
    store = _store()
    with _lock:
        store[(user_id, token_hash)] = snapshot
        store.move_to_end((user_id, token_hash))
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)


def forget(user_id, token_hash):
    with _lock:
        _store().pop((user_id, token_hash), None)


def clear():
    with _lock:
        _store().clear()


def bump(who):
    """After a commit: the snapshots of these users (``EVERYONE`` for all) are out of date."""
    who = set(who)
    if not who:
        return
    if not has_app_context() or not current_app.config.get("REDIS_URL"):
        return  # nothing is kept without Redis
    if EVERYONE in who:
        clear()
    else:
        store = _store()
        with _lock:
            for key in [key for key in store if key[0] in who]:
                del store[key]
    try:
        pipe = _redis().pipeline(transaction=False)
        for name in sorted(who, key=str):
            pipe.incr(_key(name))
        pipe.execute()
    except Exception:  # noqa: BLE001 - the commit is done; snapshots elsewhere end within the TTL
        log.exception("signed-in cache: could not mark users changed")


# ---------------------------------------------------------------- what a commit changed

def _pending(session) -> set:
    return session.info.setdefault("pkb_signed_in_changed", set())


def _cart_owner(session, cart_id):
    """The user of cart ``cart_id``: from the session's identity map, else one read (each
    cart once per transaction: a checkout writes every line of the same cart)."""
    from app.models import Cart

    if cart_id is None:
        return EVERYONE
    owners = session.info.setdefault("pkb_cart_owners", {})
    if cart_id not in owners:
        cart = session.identity_map.get(session.identity_key(Cart, cart_id))
        if cart is not None and "user_id" in cart.__dict__:
            owners[cart_id] = cart.user_id
        else:
            owner = session.connection().execute(Cart.__table__.select().with_only_columns(Cart.user_id)
                                                 .where(Cart.id == cart_id)).scalar()
            owners[cart_id] = owner if owner is not None else EVERYONE
    return owners[cart_id]


def _owner(session, table, value):
    if value is None:
        return EVERYONE
    return _cart_owner(session, value) if WATCHED[table] == "cart_id" else value


def _changed_columns(obj) -> set:
    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


def _after_flush(session, _flush_context):
    dirty = session.dirty
    for obj in (*session.new, *dirty, *session.deleted):
        table = str(getattr(getattr(obj, "__table__", None), "name", ""))
        column = WATCHED.get(table)
        if column is None:
            continue
        if obj in dirty and (table in SEEN_BY_OTHERS or table in UNSEEN):
            changed = _changed_columns(obj)
            if changed & SEEN_BY_OTHERS.get(table, frozenset()):
                _pending(session).add(EVERYONE)
            if table in UNSEEN and changed and changed <= UNSEEN[table]:
                continue
        value = obj.__dict__.get(column)
        if value is None and column == "cart_id" and obj.__dict__.get("cart") is not None:
            value = obj.cart.id
        _pending(session).add(_owner(session, table, value))


def _do_orm_execute(state):
    table, value = written(state, WATCHED.get)
    if table:
        _pending(state.session).add(_owner(state.session, table, value))


def _after_commit(session):
    session.info.pop("pkb_cart_owners", None)
    changed = session.info.pop("pkb_signed_in_changed", None)
    if changed:
        if has_request_context():
            g.pop("pkb_signed_in_snapshot", None)  # what the request kept may be out of date
        bump(changed)


_registered = False


def register():
    global _registered
    if _registered:
        return
    # Nothing is forgotten at a rollback: one of a savepoint would drop what the outer
    # transaction still commits, and a user marked changed once too often is only read again.
    listen_to_commits(_after_flush, _do_orm_execute, _after_commit)
    _registered = True
