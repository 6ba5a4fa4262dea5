"""Language and time zone choice, and the formatting of rupiah and times."""
import os
from datetime import datetime, timezone

from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user


def select_locale():
    """The user's saved choice, then the session, then Indonesian (the default)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # flask commands, background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    return current_app.config["TIMEZONE"]


def rupiah(amount):
    """Whole rupiah as shown in Indonesia: ``Rp 25.000``."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(int(amount)):,}".replace(",", ".")


def local_time(value, fmt="medium"):
    """A UTC time shown in Asia/Pontianak (WIB)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    text = format_datetime(value, fmt)
    return f"{text} WIB"


def missing_catalogs(app):
    """The compiled catalogues (.mo) that are not there. They are built from the .po files
    (``make translations`` or ``pybabel compile``), never committed; without them every
    screen quietly falls back to English, Indonesian users included."""
    missing = []
    for language in app.config["LANGUAGES"]:
        if language == "en":
            continue
        for domain in ("messages", "wtforms"):
            path = os.path.join(app.root_path, "translations", language, "LC_MESSAGES", f"{domain}.mo")
            if not os.path.exists(path):
                missing.append(os.path.relpath(path, os.path.dirname(app.root_path)))
    return missing


def report_missing_catalogs(app):
    missing = missing_catalogs(app)
    if missing:
        import logging

        logging.getLogger("pkb.i18n").error(
            "translations not compiled (%s): the pages will show in English. Run "
            "'pybabel compile -D \"messages wtforms\" -d app/translations' in the app folder.",
            ", ".join(missing))
    return missing


def register_filters(app):
    report_missing_catalogs(app)

    @app.before_request
    def wtforms_in_the_users_language():
        """WTForms' own messages ("This field is required.") from our wtforms catalogue."""
        from babel import support

        request.wtforms_translations = support.Translations.load(  # type: ignore[attr-defined]  # Flask-WTF reads it
            os.path.join(app.root_path, "translations"), [get_locale()], domain="wtforms")

    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["local_time"] = local_time
    from app.storage import media_url

    app.jinja_env.globals["media_url"] = media_url

    @app.context_processor
    def inject_locale():
        return {
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
            "now_utc": datetime.now(timezone.utc),
            "request_path": request.full_path if request else "/",
        }
