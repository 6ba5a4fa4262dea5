"""Indonesian by default, English switchable and remembered; rupiah and WIB."""
from datetime import datetime, timezone

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD
from tests.helpers import page_text


def test_indonesian_is_the_default(client):
    html = page_text(client.get("/"))
    # Indonesian, with one button to English (named in English)
    assert '<html lang="id">' in html and 'name="lang" value="en" lang="en"' in html


def test_switching_to_english_is_remembered_in_the_session(client):
    response = client.post("/language", data={"lang": "en", "next": "/auth/login"})
    assert response.status_code == 302 and response.location == "/auth/login"
    html = page_text(client.get("/auth/login"))
    assert '<html lang="en">' in html and "Forgot password?" in html
    client.post("/language", data={"lang": "id", "next": "/"})
    assert '<html lang="id">' in page_text(client.get("/"))


def test_indonesian_text_is_shown_by_default(client):
    from flask_babel import gettext

    app = client.application
    with app.test_request_context():
        indonesian = gettext("Forgot password?")
    if indonesian == "Forgot password?":
        pytest.skip("the Indonesian catalogue has no entry yet for this string")
    assert indonesian in page_text(client.get("/auth/login"))


def test_the_choice_is_saved_on_the_account_and_follows_the_user(app, client, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    auth.login("s@umkm.test")
    client.post("/language", data={"lang": "en", "next": "/"})
    with app.app_context():
        assert db.session.execute(db.select(User.locale).where(User.email == "s@umkm.test")).scalar_one() == "en"
    other_browser = app.test_client()
    other_browser.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD})
    assert '<html lang="en">' in page_text(other_browser.get("/"))


@pytest.mark.parametrize("lang", ["fr", "", "en_US"])
def test_unknown_language_is_a_bad_request(client, lang):
    assert client.post("/language", data={"lang": lang}).status_code == 400
    assert '<html lang="id">' in page_text(client.get("/"))


def test_language_switch_is_a_post(client):
    assert client.get("/language").status_code == 405


# "Rp" and its number never part at the end of a line: a non-breaking space between them.
@pytest.mark.parametrize("amount, text", [
    (25000, "Rp\u00a025.000"), (0, "Rp\u00a00"), (8000, "Rp\u00a08.000"), (1500000, "Rp\u00a01.500.000"),
    (200_000_000, "Rp\u00a0200.000.000"), (-25000, "-Rp\u00a025.000"), (None, ""),
])
def test_rupiah(amount, text):
    from app.i18n import rupiah

    assert rupiah(amount) == text


def test_rupiah_filter_in_templates(app):
    with app.test_request_context():
        assert app.jinja_env.from_string("{{ 25000|rupiah }}").render() == "Rp\u00a025.000"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_times_are_shown_in_wib(app, lang):
    from flask import session

    from app.i18n import local_time

    with app.test_request_context():
        session["locale"] = lang
        # 17:30 UTC is 00:30 the next day in Pontianak (UTC+7).
        text = local_time(datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc))
        assert "00.30" in text or "00:30" in text or "12:30" in text
        assert "2" in text and text.endswith("WIB")
        naive = local_time(datetime(2026, 3, 1, 17, 30))  # naive means UTC
        assert naive == text


@pytest.mark.parametrize("lang", ["id", "en"])
def test_kept_date_texts_are_babels_own(lang):
    """Dates and times are kept once written: every kept text is what Babel writes for that
    moment, whatever the seconds, and a moment just before or after midnight in WIB."""
    from datetime import timedelta

    from babel import dates as babel_dates

    from app.i18n import LOCAL_TZ, local_date, local_time

    start = datetime(2026, 12, 31, 16, 58, 59, tzinfo=timezone.utc)  # 23:58:59 WIB
    for step in range(0, 7 * 3600, 617):  # across midnight and the new year, odd seconds
        utc = start + timedelta(seconds=step)
        local = utc.astimezone(LOCAL_TZ)
        pattern = str(babel_dates.get_datetime_format("medium", locale=lang))
        expected = (pattern.replace("{1}", babel_dates.format_date(local.date(), "medium", locale=lang))
                    .replace("{0}", babel_dates.format_time(local.time(), "short", locale=lang)))
        for _twice in range(2):  # made, then kept
            assert local_time(utc, locale=lang) == f"{expected}\u00a0WIB"
            assert local_date(utc, locale=lang) == babel_dates.format_date(local.date(), "medium", locale=lang)


def test_local_time_of_none_is_empty(app):
    from app.i18n import local_time

    with app.test_request_context():
        assert local_time(None) == ""


def test_emails_use_the_recipients_language(app, client, factories):
    from tests.conftest import outbox

    factories.SellerFactory(email="en@umkm.test", locale="en")
    client.post("/auth/forgot", data={"email": "en@umkm.test"})
    [(_to, subject, body)] = outbox(app)
    assert subject == "Reset your Pasar Kite Bise password" and body.startswith("Hello")


# ------------------------------------------------------------------ one format for each

@pytest.mark.parametrize("lang, day, moment, month", [
    ("id", "2 Mar 2026", "2 Mar 2026 00.30\u00a0WIB", "Mar 2026"),
    ("en", "Mar 2, 2026", "Mar 2, 2026, 12:30\u202fAM\u00a0WIB", "Mar 2026"),
])
def test_one_date_and_one_date_time_format_per_language(app, lang, day, moment, month):
    """17:30 UTC on 1 March is 00:30 on 2 March in Pontianak: the date and the time follow WIB."""
    from datetime import date

    from flask_babel import force_locale

    from app.i18n import local_date, local_month, local_time

    utc = datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc)
    with app.test_request_context(), force_locale(lang):
        assert local_date(date(2026, 3, 2)) == day
        assert local_date(utc) == day  # a stored time shown as a date: its day in WIB
        assert local_date("2026-03-02") == day  # dashboard rows carry ISO dates
        assert local_time(utc) == moment
        assert local_month("2026-03-01") == month


def test_numbers_follow_the_language_and_money_stays_rupiah(app):
    from flask_babel import force_locale

    from app.i18n import number, rupiah

    with app.test_request_context():
        with force_locale("id"):
            assert (number(1234), number(12.5, 1), number(4.25, 2)) == ("1.234", "12,5", "4,25")
            assert rupiah(1234567) == "Rp\u00a01.234.567"
        with force_locale("en"):
            assert (number(1234), number(12.5, 1)) == ("1,234", "12.5")
            assert rupiah(1234567) == "Rp\u00a01.234.567"  # the rupiah is written the Indonesian way


def test_department_documents_use_the_same_indonesian_date_formats(app):
    from datetime import date

    from app.services.documents_pdf import tanggal

    with app.test_request_context():
        assert tanggal(date(2026, 11, 28)) == "28 Nov 2026"
        assert tanggal(datetime(2026, 11, 28, 7, 5, tzinfo=timezone.utc), True) == "28 Nov 2026 14.05\u00a0WIB"


def test_templates_leave_dates_to_the_filters():
    """A date written with strftime, isoformat or Babel's own filters in a template is a sixth
    format waiting to happen: pages, e-mails and PDFs use |local_date and |local_time. ISO
    stays only where a machine reads it (the value and min of a date input)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    formatting = re.compile(r"strftime\(|\|\s*(?:dateformat|datetimeformat|timeformat)\b|isoformat\(\)")
    machine = re.compile(r'(?:value|min|max|datetime)="\{\{[^}]*isoformat\(\)')
    allowed: set[str] = set()
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".html", ".txt") or str(path.relative_to(root)) in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if formatting.search(machine.sub("", line)):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()[:120]}")
    assert not found, "dates formatted by hand in templates:\n" + "\n".join(found)
