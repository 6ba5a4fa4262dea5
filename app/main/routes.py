from flask import abort, current_app, jsonify, redirect, render_template, session
from flask_login import current_user

from app.extensions import db
from app.main import bp
from app.main.forms import LanguageForm
from app.services import accounts
from app.web import safe_next


@bp.route("/")
def home():
    from app.catalog.cache import cached_page

    return cached_page(_home, buyers=True)()


def _home():
    from app import clock
    from app.services import catalog

    today = clock.today()
    return render_template("main/home.html", sections=catalog.home_sections(today), today=today)


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.lang.data
    if current_user.is_authenticated:
        accounts.set_locale(current_user, form.lang.data)
    return redirect(safe_next(form.next.data))


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers. Does not touch the database."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """Readiness: the database (and Redis, when configured) answer."""
    checks = {}
    status = 200
    try:
        db.session.execute(db.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["database"] = "unreachable"
        status = 503
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception:  # noqa: BLE001
            checks["redis"] = "unreachable"
            status = 503
    return jsonify(status="ok" if status == 200 else "unavailable", checks=checks), status


@bp.route("/media/<path:key>")
def media(key):
    """Public uploads (product photos, store logos). Private files have their own views."""
    from flask import Response

    from app.storage import StorageError, get_storage

    if not key.startswith("public/"):
        abort(404)
    try:
        data = get_storage().read(key)
    except StorageError:
        abort(404)
    mimetype = {"webp": "image/webp", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}.get(
        key.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    response = Response(data, mimetype=mimetype)
    # Keys are unique per upload, so a file never changes under the same URL.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
