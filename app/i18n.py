"""Language and time zone choice, and the one way each of money, numbers, dates and
times is written (pages, e-mails, PDFs and exports all call these):

- money: ``Rp 25.000`` in both languages (the rupiah is written the Indonesian way), with a
  non-breaking space so a narrow cell never splits "Rp" from its number;
- a date: Babel's medium date of the language (``6 Des 2026`` / ``Dec 6, 2026``);
- a date and time: that date, the short time, in WIB (``6 Des 2026 20.35 WIB`` /
  ``Dec 6, 2026, 8:35 PM WIB``);
- a month (dashboard buckets): ``Des 2026`` / ``Dec 2026``;
- other numbers: Babel's decimal format of the language (``1.234,5`` / ``1,234.5``).
"""
import functools
import os
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import _get_current_context, get_locale, get_translations
from flask_login import current_user

NBSP = "\u00a0"
LOCAL_TZ = ZoneInfo("Asia/Pontianak")


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
    """Whole rupiah as shown in Indonesia: ``Rp 25.000`` (the space does not break)."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{NBSP}{abs(int(amount)):,}".replace(",", ".")


def _locale():
    if has_app_context():
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return "id"


def _local_zone():
    return ZoneInfo(current_app.config["TIMEZONE"]) if has_app_context() else LOCAL_TZ


def _as_local(value):
    """A datetime (naive = UTC, as stored) in Asia/Pontianak."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(_local_zone())


# Babel works a date out from its pattern on every call: ~47 µs for a date and time, so a
# seller's list of 30 orders spent 1.4 ms on its dates (5 µs with these kept). The same day,
# minute and language give the same text, so each is kept once made (bounded).
@functools.lru_cache(maxsize=4096)
def _date_text(day: date, locale: str) -> str:
    return babel_dates.format_date(day, "medium", locale=locale)


@functools.lru_cache(maxsize=4096)
def _minute_text(hour: int, minute: int, locale: str) -> str:
    # CLDR's "short" time has hours and minutes only: the minute decides the text.
    return babel_dates.format_time(time(hour, minute), "short", locale=locale)


@functools.lru_cache(maxsize=64)
def _date_time_pattern(locale: str) -> str:
    return str(babel_dates.get_datetime_format("medium", locale=locale))


def local_date(value, *, locale=None):
    """The one date format of the language: ``6 Des 2026`` / ``Dec 6, 2026``. A datetime
    is taken as UTC and shown as its date in WIB."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = _as_local(value).date()
    return _date_text(value, str(locale or _locale()))


def local_time(value, *, locale=None):
    """The one date-and-time format of the language, in WIB: ``6 Des 2026 20.35 WIB``."""
    if value is None:
        return ""
    locale = str(locale or _locale())
    moment = _as_local(value)
    text = (_date_time_pattern(locale).replace("{1}", _date_text(moment.date(), locale))
            .replace("{0}", _minute_text(moment.hour, moment.minute, locale)))
    return f"{text}{NBSP}WIB"


def local_month(value, *, locale=None):
    """A month (a dashboard bucket, given as its first day): ``Des 2026`` / ``Dec 2026``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:7] + "-01")
    return babel_dates.format_skeleton("yMMM", value, locale=locale or _locale())


def number(value, digits=None, *, locale=None):
    """A count or a measure in the language's digits: ``1.234`` / ``1,234``; ``digits``
    fixes the decimals (``12,5`` with digits=1)."""
    if value is None:
        return ""
    if digits is None:
        return babel_numbers.format_decimal(value, locale=locale or _locale())
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=locale or _locale())


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


_WTFORMS_CATALOGUES: dict[tuple[str, str], object] = {}


def wtforms_translations(directory, locale):
    """The compiled wtforms catalogue of ``locale``, parsed once per process."""
    key = (directory, str(locale))
    found = _WTFORMS_CATALOGUES.get(key)
    if found is None:
        from babel import support

        found = _WTFORMS_CATALOGUES[key] = support.Translations.load(directory, [locale], domain="wtforms")
    return found


class LazyWtformsTranslations:
    """What Flask-WTF finds on ``request.wtforms_translations``: the request's language is
    worked out on the first message, not on every request."""

    __slots__ = ("_directory", "_loaded")

    def __init__(self, directory):
        self._directory = directory
        self._loaded = None

    def _catalogue(self):
        if self._loaded is None:
            self._loaded = wtforms_translations(self._directory, get_locale())
        return self._loaded

    def ugettext(self, string):
        return self._catalogue().ugettext(string)

    def ungettext(self, singular, plural, n):
        return self._catalogue().ungettext(singular, plural, n)

    gettext = ugettext
    ngettext = ungettext


def _request_translations():
    """The request's translations, kept beside its locale in Flask-Babel's per-request
    namespace: each ``_()`` of a template otherwise looks up the domain, the locale and the
    catalogue again (~40 µs, 15 times in the layout alone). Kept by the locale object, so
    ``force_locale`` (an e-mail in its reader's language) gets its own."""
    ctx = _get_current_context()
    if ctx is None:
        return get_translations()
    locale = getattr(ctx, "babel_locale", None) or get_locale()
    kept = getattr(ctx, "pkb_translations", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    ctx.pkb_translations = (locale, translations)
    return translations


def install_template_gettext(app):
    """Flask-Babel's template callables, reading the request's translations once."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
    )


def register_filters(app):
    report_missing_catalogs(app)
    install_template_gettext(app)

    directory = os.path.join(app.root_path, "translations")

    @app.before_request
    def wtforms_in_the_users_language():
        """WTForms' own messages ("This field is required.") from our wtforms catalogue. The
        catalogue is read from disk once per process and language (``wtforms_translations``);
        the language is asked only when a form shows a message, so a request without a form
        (``/healthz``, a photo) neither parses a catalogue nor loads the signed-in user."""
        request.wtforms_translations = LazyWtformsTranslations(directory)  # type: ignore[attr-defined]  # Flask-WTF reads it

    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["local_month"] = local_month
    app.jinja_env.filters["number"] = number
    from app.storage import media_url

    app.jinja_env.globals["media_url"] = media_url

    @app.context_processor
    def inject_locale():
        return {
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
            "now_utc": datetime.now(timezone.utc),
            "request_path": request.full_path if request else "/",
        }
