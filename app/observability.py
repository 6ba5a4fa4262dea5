"""Request logs, request ids and the Prometheus endpoint.

Request log
    One JSON line per request on stderr (logger ``pkb.request``)::

        {"time": "2026-11-28T20:50:01.123Z", "level": "INFO", "request_id": "…", "method": "GET",
         "path": "/catalog", "status": 200, "duration_ms": 12.3, "user_id": 7}

    Never logged: query strings, form fields, cookies, headers; under ``/auth/`` the URL rule
    (``/auth/reset/<token>``) stands in for the path, so no token reaches a log file.
    ``LOG_REQUESTS=false`` turns the line off (the metrics stay). The app's other log records
    (loggers ``app.*`` and ``pkb.jobs``) are JSON lines as well when ``LOG_JSON`` is on, which is
    the default outside development and tests.

Request id
    ``X-Request-ID`` from the client or the proxy is kept when it is 1–64 characters of
    ``[A-Za-z0-9-]``; otherwise a new one is made. It is echoed in the response header,
    is ``g.request_id`` for the code, and is on every log line of the request.

Metrics
    ``GET /metrics``: Prometheus text format (see ``app.metrics``). Answered only to
    ``Authorization: Bearer <METRICS_TOKEN>``, or, with ``METRICS_ALLOW_LOCAL=true``, to a
    client at 127.0.0.1/::1 that came through no proxy (no ``X-Forwarded-For``). To anyone
    else it is 404, as if it did not exist. Behind a reverse proxy on the same machine keep
    ``METRICS_ALLOW_LOCAL`` off, or block ``/metrics`` at the proxy.
"""
import hmac
import json
import logging
import os
import re
import sys
import threading
import time

from flask import Response, abort, current_app, g, has_request_context, request

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
LOCAL_ADDRESSES = {"127.0.0.1", "::1"}

request_log = logging.getLogger("pkb.request")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any ``extra`` fields
    passed as ``extra={"fields": {...}}``."""

    def format(self, record):
        entry = {"time": _utc_stamp(record.created), "level": record.levelname}
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        else:
            entry["logger"] = record.name
            entry["message"] = record.getMessage()
            if has_request_context() and "request_id" in g:
                entry["request_id"] = g.request_id
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["traceback"] = self.formatException(record.exc_info)
        return _encode(entry)


#: One encoder for every line (``json.dumps`` with options builds a new one per call).
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
_second: tuple[int, str] = (-1, "")  # the last whole second written, and its text


def _utc_stamp(created: float) -> str:
    """``2026-11-28T20:50:01.123Z``. The text up to the second is made once a second: every
    request writes a line, and formatting a datetime cost more than the rest of the line.
    The second and its text are one tuple, replaced whole, so a thread never pairs one
    second's text with another's."""
    global _second
    whole = int(created)
    micro = round((created - whole) * 1_000_000)  # as datetime rounds a timestamp
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    kept = _second
    if kept[0] != whole:
        kept = _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{kept[1]}.{micro // 1000:03d}Z"


class RequestRecord(logging.LogRecord):
    """The request line's record, made without what ``LogRecord`` works out for every record
    (the caller's frame and file, through ``os.path``): the line is written on every request,
    and making its record cost as much as the rest of the request's own hooks. It carries the
    same attributes, so any handler or formatter an operator attaches still reads them."""

    def __init__(self, name, level, fields):  # noqa: D107 - no super().__init__: that is the cost
        self.name, self.msg, self.args, self.fields = name, "request", (), fields
        self.levelno, self.levelname = level, logging.getLevelName(level)
        self.pathname, self.filename, self.module = __file__, "observability.py", "observability"
        self.lineno, self.funcName = 0, "finish_request"
        self.exc_info = self.exc_text = self.stack_info = None
        self.created = time.time()
        self.msecs = (self.created - int(self.created)) * 1000
        self.relativeCreated = (self.created - _LOGGING_STARTED) * 1000
        thread = threading.current_thread()
        self.thread, self.threadName = thread.ident, thread.name
        multiprocessing = sys.modules.get("multiprocessing")  # as LogRecord: only if it is in use
        self.processName = multiprocessing.current_process().name if multiprocessing else "MainProcess"
        self.process = os.getpid()
        self.taskName = None


_LOGGING_STARTED = getattr(logging, "_startTime", time.time())


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


_request_log_handler = None


def _setup_logger(app):
    global _request_log_handler
    # alembic's fileConfig (flask db upgrade in the same process) disables existing loggers.
    request_log.disabled = False
    if _request_log_handler is not None:
        return
    _request_log_handler = StderrHandler()
    _request_log_handler.setFormatter(JSONFormatter())
    request_log.addHandler(_request_log_handler)
    request_log.setLevel(logging.INFO)
    request_log.propagate = False


_app_log_handler = None
JSON_LOGGERS = ("app", "pkb.jobs")  # "app" is Flask's app.logger and every app.* module logger


def _setup_app_logs(enabled):
    """With ``LOG_JSON`` (default outside development and tests) the app's own log records are
    JSON lines on stderr too, with the request id of the request that wrote them."""
    global _app_log_handler
    if _app_log_handler is None:
        _app_log_handler = StderrHandler()
        _app_log_handler.setFormatter(JSONFormatter())
    for name in JSON_LOGGERS:
        logger = logging.getLogger(name)
        if enabled:
            if _app_log_handler not in logger.handlers:
                logger.addHandler(_app_log_handler)
            if logger.level == logging.NOTSET:
                logger.setLevel(logging.INFO)
            logger.propagate = False
        elif _app_log_handler in logger.handlers:
            logger.removeHandler(_app_log_handler)
            logger.propagate = True


def _request_id():
    incoming = request.headers.get("X-Request-ID", "")
    if incoming and REQUEST_ID_RE.match(incoming):
        return incoming
    return os.urandom(16).hex()  # 128 random bits, as a uuid4's hex, at a fifth of its cost


def _logged_path():
    if request.path.startswith("/auth/"):
        # Tokens of e-mail links travel in the path here; the rule has placeholders instead.
        return request.url_rule.rule if request.url_rule is not None else "/auth/…"
    return request.path


def _user_id():
    user = g.get("_login_user")  # set by Flask-Login only when the request looked at the user
    if user is None:
        return None
    from sqlalchemy import inspect

    state = inspect(user, raiseerr=False)
    if state is not None and state.identity and "active" in state.expired_attributes:
        # The request's commit expired the logged-in user's row: log the id from the
        # identity key rather than load the row again (2 queries) only for this line.
        return state.identity[0]
    if getattr(user, "is_authenticated", False):
        return getattr(user, "id", None)  # the row id; get_id() carries the session secret
    return None


def _endpoint_label():
    # A bounded set of label values: the endpoint name, never the raw path.
    return request.endpoint or ("unmatched" if request.url_rule is None else "unknown")


def register(app):
    if app.config.get("LOG_JSON") is None:
        app.config["LOG_JSON"] = app.config.get("ENV_NAME", "development") not in {"development", "testing"}
    _setup_logger(app)
    _setup_app_logs(app.config["LOG_JSON"])

    log_requests = app.config.get("LOG_REQUESTS", True)

    @app.before_request
    def start_request():
        g.request_id = _request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        started = g.get("request_started")
        if started is None:  # a before_request hook failed before ours ran
            g.request_id = _request_id()
            started = time.perf_counter()
        duration = time.perf_counter() - started
        response.headers["X-Request-ID"] = g.request_id
        from app import metrics  # not at import: PROMETHEUS_MULTIPROC_DIR is made by the server

        endpoint = _endpoint_label()
        if endpoint != "metrics":
            metrics.observe_request(endpoint, request.method, response.status_code, duration)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        if log_requests and request_log.isEnabledFor(level):
            request_log.handle(RequestRecord(request_log.name, level, {
                "request_id": g.request_id,
                "method": request.method,
                "path": _logged_path(),
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "user_id": _user_id(),
            }))
        return response

    app.add_url_rule("/metrics", "metrics", metrics_view)
    from app.extensions import csrf, limiter

    csrf.exempt(metrics_view)
    limiter.exempt(metrics_view)


def _metrics_allowed():
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(
            header[len("Bearer "):].encode(), str(token).encode()):
        return True
    if current_app.config.get("METRICS_ALLOW_LOCAL") and request.remote_addr in LOCAL_ADDRESSES \
            and "X-Forwarded-For" not in request.headers and "Forwarded" not in request.headers:
        return True
    return False


def metrics_view():
    """Prometheus scrape endpoint; 404 to anyone not allowed (see the module docstring)."""
    if not _metrics_allowed():
        abort(404)
    from app.metrics import render_latest

    body, content_type = render_latest(current_app.config.get("PROMETHEUS_MULTIPROC_DIR"))
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
