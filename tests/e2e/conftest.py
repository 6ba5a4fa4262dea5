"""Browser-test harness: the real app on a live server, driven by Chromium through Playwright.

How to write a journey (see test_accounts_journey.py for examples)::

    import pytest
    from tests.e2e.conftest import axe_check, newest_email_link

    pytestmark = pytest.mark.e2e

    def test_something(live_server, page):           # desktop 1366x900
        page.goto(live_server.url("/auth/login"))
        page.get_by_label("E-mail").fill("...")      # find things as a person would:
        page.get_by_role("button", name="Masuk").click()   # by role, label, visible text
        axe_check(page)                               # on every page the journey visits

    def test_on_a_phone(live_server, phone_page):    # 390x844, touch, phone user agent
        ...

Fixtures
- ``live_server`` (one per test module): the app from ``create_app`` on a file SQLite
  database under a temporary directory, CSRF ON, rate limits OFF, fast password hashing,
  schema from ``db.create_all()``, served by werkzeug on 127.0.0.1 and a free port in a
  daemon thread. ``live_server.url(path)`` gives an absolute URL; ``live_server.app`` is the
  Flask app: use ``with live_server.app.app_context():`` (or ``live_server.db()``) to read or
  prepare rows. Rows persist across the tests of one module, so use unique e-mail addresses.
- ``browser`` (one per session): Debian's Chromium (/usr/bin/chromium), headless.
- ``page`` / ``desktop_page``: a fresh browser context (own cookies) at 1366x900.
  ``phone_page``: a fresh context at 390x844 with touch. Pages speak Indonesian unless the
  journey switches language; ``page.set_default_timeout`` and ``expect``'s timeout are 10 s.
- A failing test leaves a full-page screenshot in instance/e2e-failures/ (path printed).
- Helpers: ``axe_check(page)`` fails on any serious or critical axe violation and prints
  each readably; ``newest_email(app, to)`` and ``newest_email_link(app, to, path_part)`` read
  the newest outbox message for an address from the live server's database;
  ``make_user(app, role, email, ...)`` makes a verified user with ``PASSWORD``;
  ``tr(app, "Log in")`` gives a msgid as the page shows it in Indonesian (``locale="en"``).

When /usr/bin/chromium is missing the browser tests are skipped with the reason, except
in CI (environment ``CI=true``), where they fail: a CI run must not pass without them.
Run only these: ``.venv/bin/pytest -m e2e tests/e2e``.
"""
import os
import re
import contextlib
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import BASE_CONFIG, PASSWORD, share_test_speedups

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Mobile Safari/537.36")
BLOCKING_IMPACTS = ("serious", "critical")

__all__ = ["PASSWORD", "axe_check", "newest_email", "newest_email_link", "make_user", "tr"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is a browser test, marked or not."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome, so page fixtures can save a screenshot on failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _screenshot_on_failure(request, page):
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        path = os.path.join(str(request.config.rootpath), "instance", "e2e-failures",
                            re.sub(r"[^\w.-]", "_", request.node.name) + ".png")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            page.screenshot(path=path, full_page=True)
            print(f"screenshot of the failing page: {path} ({page.url})")
        except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the real failure
            print(f"no screenshot: {exc}")


def _require_chromium():
    if os.path.exists(CHROMIUM):
        return
    reason = f"{CHROMIUM} not found: install Debian's chromium (make browser) to run the browser tests"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: browser tests are required)", pytrace=False)
    pytest.skip(reason)


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output."""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    def __init__(self, app, server):
        self.app = app
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_port}"

    def url(self, path="/"):
        return self.base_url + path

    def db(self):
        """``with live_server.db() as session:`` a session on the live server's database."""
        from contextlib import contextmanager

        from app.extensions import db

        @contextmanager
        def scope():
            with self.app.app_context():
                yield db.session
                db.session.remove()

        return scope()


@contextlib.contextmanager
def serve_app(tmp, extra_config=None, name="live-server"):
    """The real app (CSRF on, its own SQLite file under ``tmp``) served on 127.0.0.1 at a
    free port in a daemon thread; yields a LiveServer and stops it afterwards."""
    from app import create_app
    from app.extensions import db

    config = dict(BASE_CONFIG)
    config.update({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'live.sqlite3'}",
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "fast",
        "TESTING": False,  # errors answer as they would in production
    })
    config.update(extra_config or {})
    app = create_app(config)
    share_test_speedups(app)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield LiveServer(app, server)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    _require_chromium()
    with serve_app(tmp_path_factory.mktemp("live")) as live:
        yield live


def _reduce_motion(chromium):
    """Every context asks for reduced motion, so Bootstrap's smooth scrolling is off. With it on,
    Playwright scrolled a control into view while the page was still gliding, and on a loaded
    machine its click landed where the control had been: "Clicking the checkbox did not change
    its state" (the incubator journey, CI of d2ccc86), and a review star left unchecked, its
    form then refused by the browser (the order journey, CI of 875a2d8)."""
    new_context, new_page = chromium.new_context, chromium.new_page

    def with_reduced_motion(make):
        def make_reduced(*args, **options):
            options.setdefault("reduced_motion", "reduce")
            return make(*args, **options)
        return make_reduced

    chromium.new_context = with_reduced_motion(new_context)
    chromium.new_page = with_reduced_motion(new_page)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    from playwright.sync_api import expect

    # `expect` waits as long as a page action does (10 s; its own default is 5 s). On a
    # loaded CI machine a form post and its redirect took longer than 5 s, and the step
    # read the previous page's flash message (test_variants_journey, CI run of 7bb1714).
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        _reduce_motion(chromium)
        yield chromium
        chromium.close()


def _new_page(browser, **context_options):
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Pontianak", **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    # A CSP violation or a script error shows up here; the journey fails on it.
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.console_errors = errors
    return context, page


@pytest.fixture
def desktop_page(request, browser, live_server):
    context, page = _new_page(browser, viewport=DESKTOP)
    yield page
    _screenshot_on_failure(request, page)
    context.close()
    _assert_no_console_errors(page)


@pytest.fixture
def page(desktop_page):
    return desktop_page


@pytest.fixture
def phone_page(request, browser, live_server):
    context, page = _new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True,
                              device_scale_factor=2, user_agent=PHONE_UA)
    yield page
    _screenshot_on_failure(request, page)
    context.close()
    _assert_no_console_errors(page)


def _assert_no_console_errors(page):
    # A 4xx answer the journey provoked on purpose logs "Failed to load resource"; ignore those.
    real = [e for e in page.console_errors if "Failed to load resource" not in e]
    assert not real, "errors in the browser console:\n" + "\n".join(real)


# --- helpers ------------------------------------------------------------------------------

def axe_check(page, context=None):
    """Run axe on the current page; fail on serious or critical violations, listed readably."""
    from axe_playwright_python.sync_playwright import Axe

    # A page reached by a click may still be loading its stylesheets when the step's `expect`
    # already sees its text: axe then measures unstyled colours (the header's light text on
    # the white of a page without app.css). Measure the page as it is shown.
    page.wait_for_load_state("load")
    results = Axe().run(page, context=context)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if violations:
        lines = [f"axe found {len(violations)} serious/critical problem(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:5]:
                lines.append(f"    at {', '.join(node['target'])}: {node['html'][:160]}")
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                if summary:
                    lines.append(f"      {summary[:300]}")
        pytest.fail("\n".join(lines), pytrace=False)
    return results


def newest_email(app, to):
    """The newest outbox message to ``to`` as (subject, body_text), or None."""
    from app.extensions import db
    from app.models import OutboxMessage

    with app.app_context():
        message = db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.to == to).order_by(OutboxMessage.id.desc()).limit(1)
        ).scalar_one_or_none()
        result = (message.subject, message.body_text) if message else None
        db.session.remove()
        return result


def newest_email_link(app, to, path_part):
    """The first link containing ``path_part`` in the newest e-mail to ``to``."""
    message = newest_email(app, to)
    assert message is not None, f"no e-mail to {to} in the outbox"
    for url in re.findall(r"https?://\S+", message[1]):
        if path_part in url:
            return url
    raise AssertionError(f"the newest e-mail to {to} has no link with {path_part}: {message[1][:300]}")


def make_user(app, role, email, full_name="Pengguna Uji", department_name="Dinas Komunikasi dan Informatika"):
    """A verified user with ``role`` and password ``PASSWORD`` (buyers get a department)."""
    from app.extensions import db
    from app.models import Department, User
    from app.orm import utcnow
    from app.services.passwords import hash_password

    with app.app_context():
        user = User(email=email, full_name=full_name, password_hash=hash_password(PASSWORD),
                    email_verified_at=utcnow())
        if role == "buyer":
            department = db.session.execute(
                db.select(Department).where(Department.name == department_name)).scalar_one_or_none()
            if department is None:
                department = Department(name=department_name, code=f"D{abs(hash(department_name)) % 10**6}")
            user.department = department
        user.grant(role)
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        db.session.remove()
        return user_id


def tr(app, msgid, locale="id", context=None, **params):
    """``msgid`` as the page shows it in ``locale`` (the catalogue may not have it yet);
    ``context`` for a msgid the code marks with pgettext."""
    from flask_babel import force_locale, gettext, pgettext

    with app.test_request_context(), force_locale(locale):
        return pgettext(context, msgid, **params) if context else gettext(msgid, **params)
