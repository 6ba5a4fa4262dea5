"""The in-app notification list."""
from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.notifications import bp
from app.services import notifications as notify
from app.web import page_arg, safe_next


@bp.route("/")
@login_required
def index():
    page = page_arg()
    return render_template("notifications/index.html", pagination=notify.list_for(current_user, page=page),
                           unread=notify.unread_count(current_user))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_(notification_id):
    row = notify.get_for(current_user, notification_id)
    if row is None:
        abort(404)
    notify.mark_read(current_user, notification_id)
    return redirect(safe_next(row.link, "notifications.index"), code=303)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    notify.mark_read(current_user)
    return redirect(url_for("notifications.index"), code=303)
