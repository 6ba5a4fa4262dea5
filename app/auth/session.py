"""How Flask-Login finds the user for a session or remember-me cookie."""
from app.extensions import db
from app.models import User


def load_user(user_id):
    """Session ids are ``<id>:<session_version>``; an old version means a dead session."""
    uid, _, version = (user_id or "").partition(":")
    if not uid.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def configure_login(login_manager):
    from flask_babel import lazy_gettext as _l

    login_manager.user_loader(load_user)
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "basic"
