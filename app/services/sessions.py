"""Signed-in sessions: one UserSession row per browser that logged in.

Rules kept here:
- the session cookie and the remember-me cookie name the row (``<user id>:<secret>``); either
  opens the account only while the row is live: not ended, used within SESSION_IDLE_DAYS,
  and its user active. A copied cookie dies with its row;
- logging out ends this browser's row; "log out everywhere", a password change or reset, a
  lock and an admin's deactivation end every row of the user (a password change keeps the
  browser that made it);
- a user sees and ends only their own sessions;
- a signed-in request costs one read: last_seen_at is written at most every TOUCH_EVERY.
"""
import hashlib
import logging
import re
import secrets
from datetime import timedelta

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, bindparam, cast, delete, event, func, literal, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from app import clock
from app.extensions import db
from app.orm import rows_matched
from app.models import User, UserSession
from app.services import NotFound, audit, signed_in_cache

log = logging.getLogger("pkb.sessions")

#: How stale last_seen_at may get before a request writes it again (the list shows minutes).
TOUCH_EVERY = timedelta(minutes=5)
#: Ended rows are kept this long after they end, then pruned by the daily job.
KEEP_ENDED = timedelta(days=7)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_limit():
    return timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


def _live():
    """The SQL conditions of a live row."""
    return (UserSession.ended_at.is_(None), UserSession.last_seen_at > clock.now() - _idle_limit())


def start_session(user, *, user_agent="", ip=""):
    """A new live session for ``user``, who becomes its holder (``user.get_id()`` names it)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = UserSession(user_id=user.id, token_hash=_hash(token), created_at=now, last_seen_at=now,
                      user_agent=(user_agent or "")[:255], ip=(ip or "")[:45])
    db.session.add(row)
    db.session.commit()
    user.signed_in_as(row, token)
    return row


def _aggregate(expression):
    """The values of ``expression`` joined by commas, in one column (both databases)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.string_agg(expression, literal(","))
    return func.group_concat(expression, literal(","))


def _header_columns():
    """Correlated scalar subqueries read with the user: what every page's layout asks about
    the signed-in person (their department roles, the cart and unread badges)."""
    from app.models import Cart, CartItem, DepartmentRole, Notification

    roles = (select(_aggregate(cast(DepartmentRole.id, String) + literal(":")
                               + cast(DepartmentRole.department_id, String) + literal(":") + DepartmentRole.role))
             .where(DepartmentRole.user_id == User.id).correlate(User).scalar_subquery())
    cart = (select(func.count(CartItem.id)).join(Cart, Cart.id == CartItem.cart_id)
            .where(Cart.user_id == User.id).correlate(User).scalar_subquery())
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None))
              .correlate(User).scalar_subquery())
    return roles, cart, unread


def _department_pairs(aggregated):
    """``"id:department:role,…"`` as the (department_id, role) pairs, in the order granted."""
    rows = []
    for part in (aggregated or "").split(","):
        row_id, _, rest = part.partition(":")
        department_id, _, role = rest.partition(":")
        if row_id.isdigit() and department_id.isdigit() and role:
            rows.append((int(row_id), int(department_id), role))
    return tuple((department_id, role) for _row_id, department_id, role in sorted(rows))


_SIGNED_IN_STATEMENTS: dict[str, object] = {}


def _signed_in_statement():
    """Built once per database kind (building an ORM select costs more than running it); the
    secret, the user id and the idle limit are bound at each call."""
    dialect = db.session.get_bind().dialect.name
    statement = _SIGNED_IN_STATEMENTS.get(dialect)
    if statement is None:
        roles, cart, unread = _header_columns()
        statement = _SIGNED_IN_STATEMENTS[dialect] = (
            db.select(UserSession, User, roles, cart, unread)
            .join(User, User.id == UserSession.user_id)
            .options(joinedload(User.role_rows))
            .where(UserSession.token_hash == bindparam("token_hash"), UserSession.user_id == bindparam("user_id"),
                   User.active.is_(True), UserSession.ended_at.is_(None),
                   UserSession.last_seen_at > bindparam("seen_after")))
    return statement


def signed_in_user(user_id, token):
    """The active user whose live session has this secret, or None. One SQL statement (it
    runs on every signed-in request), or none when this process kept what it read for this
    session and nothing of it changed since (``signed_in_cache``): the session row, the
    user, their roles, their department roles and the header's cart and unread counts
    together. The last three are kept for the request (``authz.department_roles_of``,
    ``header_count``) and forgotten at the first commit, so a page rendered after a change
    counts again."""
    token_hash = _hash(token)
    seen_after = clock.now() - _idle_limit()
    tag = signed_in_cache.tag_now(user_id) if signed_in_cache.seconds() else None
    snapshot = signed_in_cache.get(user_id, token_hash, tag)
    if snapshot is not None and snapshot.session["last_seen_at"] > seen_after:
        signed_in_cache.for_request(snapshot)
        user, row = snapshot.attach(db.session)  # row: makes the session row on first use
        user.signed_in_as(row, token, snapshot.session["id"])
        department_roles = snapshot.department_roles
        cart_count, unread_count = snapshot.cart_count, snapshot.unread_count
        last_seen_at = snapshot.session["last_seen_at"]
        if seen_long_ago(last_seen_at):
            signed_in_cache.forget(user_id, token_hash)  # read again once last_seen_at is stamped
    else:
        found = db.session.execute(_signed_in_statement(), {
            "token_hash": token_hash, "user_id": user_id, "seen_after": seen_after,
        }).unique().first()
        if found is None:
            return None
        row, user, aggregated, cart_count, unread_count = found
        department_roles = _department_pairs(aggregated)
        cart_count, unread_count = int(cart_count or 0), int(unread_count or 0)
        if tag is not None:
            snapshot = signed_in_cache.Snapshot(user, row, department_roles, cart_count, unread_count, tag)
            signed_in_cache.put(user_id, token_hash, snapshot)
            signed_in_cache.for_request(snapshot)
        user.signed_in_as(row, token)
        last_seen_at = row.last_seen_at
    if has_request_context():
        from app.authz import remember_department_roles

        remember_department_roles(user.id, department_roles)
        g.pkb_header_counts = {"user_id": user.id, "cart_count": cart_count, "notifications_unread": unread_count}
        if seen_long_ago(last_seen_at):
            g.pkb_seen_session = user.current_session_id  # stamped once the page is answered (record_seen)
    return user


def header_count(user, name):
    """The count ``name`` (cart_count, notifications_unread) read with the signed-in user in
    this request, or None when it was not (another user, or a commit since)."""
    if not has_request_context():
        return None
    counts = g.get("pkb_header_counts")
    if counts is None or counts.get("user_id") != getattr(user, "id", None):
        return None
    return counts.get(name)


def forget_header_counts(session=None):
    """After any commit the counts read with the user may be out of date."""
    if has_request_context():
        g.pop("pkb_header_counts", None)


_registered = False


def register_events():
    global _registered
    if not _registered:
        from flask_sqlalchemy.session import Session

        event.listen(Session, "after_commit", forget_header_counts)
        signed_in_cache.register()
        _registered = True


def seen_long_ago(last_seen_at):
    """Whether a session last seen then should have its last_seen_at written by this request
    (see record_seen)."""
    return last_seen_at < clock.now() - TOUCH_EVERY


def record_seen(session_id):
    """Stamp the session as seen now, on a connection of its own: the request's transaction
    is not committed, nor its objects expired, for a bookkeeping write. A stamp that fails
    (the database busy for a moment) is only logged: the next request tries again."""
    try:
        with db.engine.begin() as conn:
            conn.execute(update(UserSession)
                         .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                         .values(last_seen_at=clock.now()))
    except SQLAlchemyError as exc:
        log.warning("last_seen_at of session %s not written: %s", session_id, type(exc).__name__)


def active_sessions(user):
    """The user's live sessions, the most recently used first."""
    return db.session.execute(
        db.select(UserSession).where(UserSession.user_id == user.id, *_live())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).scalars().all()


def end_sessions(user, reason, keep=None):
    """End every live session of ``user`` but ``keep``; the calling service commits.
    Returns how many ended."""
    query = (update(UserSession)
             .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
             .values(ended_at=clock.now(), end_reason=reason))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return rows_matched(db.session.execute(query))


def log_out(user):
    """End the session this request runs in (the browser logs out)."""
    row = user.current_session
    if row is None:
        return
    row.ended_at = clock.now()
    row.end_reason = "logout"
    db.session.commit()


def log_out_everywhere(user):
    """End every session of the user, this one included."""
    ended = end_sessions(user, "everywhere")
    audit.record(user, "user.logged_out_everywhere", user, after={"sessions": ended})
    db.session.commit()
    return ended


def end_own_session(user, session_id):
    """End one of the user's live sessions; another user's (or an ended one) is not found.
    Returns the ended row."""
    row = db.session.execute(
        db.select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id, *_live())
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(_l("This session does not exist or has already ended."))
    row.ended_at = clock.now()
    row.end_reason = "ended"
    audit.record(user, "user.session_ended", row, after={"user_agent": row.user_agent})
    db.session.commit()
    return row


def prune_ended_sessions():
    """Periodic job: forget sessions that ended, or went idle, more than KEEP_ENDED ago."""
    cutoff = clock.now() - KEEP_ENDED
    result = db.session.execute(delete(UserSession).where(or_(
        UserSession.ended_at < cutoff, UserSession.last_seen_at < cutoff - _idle_limit())))
    db.session.commit()
    return rows_matched(result)


# --- the device a person recognises ----------------------------------------------------------

# First match wins: Edge, Opera and Samsung Internet also say "Chrome", Chrome also says
# "Safari", Android also says "Linux" and an iPhone "like Mac OS X".
_BROWSERS = (("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/|Opera"), ("Samsung Internet", r"SamsungBrowser/"),
             ("Firefox", r"Firefox/|FxiOS/"), ("Chrome", r"Chrome/|CriOS/"), ("Safari", r"Version/.*Safari/"))
_SYSTEMS = (("Android", r"Android"), ("iPhone", r"iPhone"), ("iPad", r"iPad"), ("Windows", r"Windows"),
            ("ChromeOS", r"CrOS"), ("macOS", r"Macintosh|Mac OS X"), ("Linux", r"Linux"))


def _first(table, user_agent):
    return next((name for name, pattern in table if re.search(pattern, user_agent)), None)


def describe_device(user_agent):
    """``Chrome on Android``: the browser and system of a User-Agent, as a person names them."""
    browser, system = _first(_BROWSERS, user_agent or ""), _first(_SYSTEMS, user_agent or "")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s", system=system)
    return _("Unknown device")
