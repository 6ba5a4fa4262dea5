from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_counter, nav_item

bp = Blueprint("notifications", __name__)
nav_item("notifications.index", _l("Notifications"), icon="bell", roles=("buyer", "seller", "mentor", "admin"),
         order=85, badge="notifications_unread", tool=True)


def _unread(user):
    from app.services.notifications import unread_count
    from app.services.sessions import header_count

    known = header_count(user, "notifications_unread")
    return unread_count(user) if known is None else known


nav_counter("notifications_unread", _unread)


@bp.app_template_filter("notification_text")
def notification_text(notification):
    from app.services.notifications import text_for

    return text_for(notification)


@bp.app_template_global("kind_text")
def kind_text(kind, params):
    from app.services.notifications import kind_text as text

    return text(kind, params)


from app.notifications import routes  # noqa: E402,F401
