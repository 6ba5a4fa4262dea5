"""How Flask-Login finds the user for a session or remember-me cookie."""
from flask import g

from app.services import sessions


def load_user(user_id):
    """Ids are ``<user id>:<session secret>`` (User.get_id); only a live session opens the
    account, so a cookie kept after logout, or from before the upgrade (``<id>:<version>``),
    opens nothing."""
    uid, _, token = (user_id or "").partition(":")
    if not uid.isdigit() or not token:
        return None
    return sessions.signed_in_user(int(uid), token)


def record_seen(response):
    """After a page that worked, stamp the session the loader found stale (one UPDATE every
    few minutes per browser, never one per request). Not after an error: its request may
    hold a write open, which the stamp's own connection would wait for on SQLite."""
    session_id = g.pop("pkb_seen_session", None)
    if session_id is not None and response.status_code < 400:
        sessions.record_seen(session_id)
    return response


def configure_login(login_manager):
    from flask_babel import lazy_gettext as _l

    login_manager.user_loader(load_user)
    sessions.register_events()
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "basic"
