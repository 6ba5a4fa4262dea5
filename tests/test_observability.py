"""Request logs as JSON lines with a request id; /metrics protected; gunicorn adds up workers."""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from app import metrics
from tests.conftest import PASSWORD, make_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _log_lines(text):
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return [entry for entry in lines if "status" in entry and "method" in entry]


# --------------------------------------------------------------------- request id and log


def test_a_request_gets_an_id_echoed_in_the_response_and_in_its_log_line(client, capsys):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    entry = _log_lines(capsys.readouterr().err)[-1]
    assert entry["request_id"] == request_id
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["user_id"] is None
    assert isinstance(entry["duration_ms"], (int, float)) and entry["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_a_valid_incoming_request_id_is_kept(client, capsys):
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-123"})
    assert response.headers["X-Request-ID"] == "proxy-abc-123"
    assert _log_lines(capsys.readouterr().err)[-1]["request_id"] == "proxy-abc-123"


@pytest.mark.parametrize("bad", ["a" * 65, "has space", "semi;colon", "new\\nline", "ünï"])
def test_an_invalid_incoming_request_id_is_replaced(client, bad):
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_the_log_names_the_user_but_never_passwords_tokens_cookies_or_queries(client, factories, capsys):
    factories.BuyerFactory(email="siti@pontianak.go.id")
    user_id = factories.db.session.execute(
        factories.db.select(factories.User.id).where(factories.User.email == "siti@pontianak.go.id")).scalar_one()
    client.post("/auth/login", data={"email": "siti@pontianak.go.id", "password": PASSWORD})
    client.set_cookie("tracker", "cookie-value-77")
    client.get("/account/?q=rahasia-query-99")
    client.get("/auth/reset/token-SECRET-abc123")
    client.get("/auth/verify/verify-SECRET-xyz?next=/")
    err = capsys.readouterr().err
    entries = _log_lines(err)
    assert any(e["user_id"] == user_id and e["path"] == "/account/" for e in entries)
    assert {"/auth/reset/<token>", "/auth/verify/<token>"} <= {e["path"] for e in entries}
    for secret in (PASSWORD, "rahasia-query-99", "cookie-value-77", "token-SECRET", "verify-SECRET", "session="):
        assert secret not in err


def test_a_server_error_is_logged_at_error_level(app, capsys):
    def broken():
        raise RuntimeError("kaput")

    app.add_url_rule("/_test/broken", "test_broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_test/broken")
    assert response.status_code == 500 and response.headers["X-Request-ID"]
    entry = _log_lines(capsys.readouterr().err)[-1]
    assert (entry["status"], entry["level"]) == (500, "ERROR")


# --------------------------------------------------------------------- /metrics


def test_metrics_are_hidden_when_no_token_is_configured(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.fixture
def metrics_app(tmp_path, pg_schema):
    from tests.conftest import empty_tables

    app = make_app(tmp_path, pg_schema, METRICS_TOKEN="scrape-token-42")
    yield app
    if pg_schema is not None:
        empty_tables(app)


def _value(body, name, **labels):
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" ([0-9.e+-]+)"
    match = re.search(pattern, body)
    return float(match.group(1)) if match else 0.0


def test_metrics_need_the_bearer_token(metrics_app):
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "scrape-token-42"}).status_code == 404
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-42"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "pkb_http_requests_total" in response.get_data(as_text=True)


def test_metrics_count_requests_orders_and_payments(metrics_app):
    client = metrics_app.test_client()
    auth = {"Authorization": "Bearer scrape-token-42"}
    before = client.get("/metrics", headers=auth).get_data(as_text=True)
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page")
    metrics.order_placed(2)
    metrics.payment("cod", "paid")
    metrics.payment("card", "failed")
    after = client.get("/metrics", headers=auth).get_data(as_text=True)

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("pkb_http_requests_total", endpoint="main.healthz", method="GET", status="200") == 3
    assert delta("pkb_http_requests_total", endpoint="unmatched", method="GET", status="404") == 1
    assert delta("pkb_http_request_duration_seconds_count", endpoint="main.healthz", status="200") == 3
    assert delta("pkb_orders_placed_total") == 2
    assert delta("pkb_payments_total", method="cod", outcome="paid") == 1
    assert delta("pkb_payments_total", method="card", outcome="failed") == 1
    # Scrapes are not counted as traffic.
    assert 'endpoint="metrics"' not in after


def test_local_scrapes_are_allowed_only_when_configured_and_not_through_a_proxy(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, METRICS_ALLOW_LOCAL=True)
    client = app.test_client()
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 404


def test_metrics_helpers_never_raise():
    metrics.order_placed("not a number")  # logged, not raised
    metrics.payment(None, None)


# --------------------------------------------------------------------- gunicorn


def test_gunicorn_conf_reads_the_environment(monkeypatch):
    import runpy

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("BIND", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/unused-in-this-test")
    conf = runpy.run_path(os.path.join(ROOT, "gunicorn.conf.py"))
    assert conf["workers"] == 3
    assert conf["bind"] == ["127.0.0.1:8123"]
    assert conf["accesslog"] is None and conf["preload_app"] is False
    assert conf["graceful_timeout"] > 0 and callable(conf["child_exit"])
    monkeypatch.setenv("BIND", "unix:/run/pasar/web.sock")
    monkeypatch.delenv("WEB_CONCURRENCY")
    conf = runpy.run_path(os.path.join(ROOT, "gunicorn.conf.py"))
    assert conf["bind"] == ["unix:/run/pasar/web.sock"]
    assert conf["workers"] == 2 * os.cpu_count() + 1


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self._path)


def _get(sock_path, path, headers=None):
    conn = _UnixHTTPConnection(sock_path)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, dict(response.getheaders()), body


def test_gunicorn_workers_add_up_their_metrics(tmp_path):
    """Two real gunicorn workers on a unix socket: /metrics shows the requests of both."""
    sock = str(tmp_path / "web.sock")
    metrics_dir = tmp_path / "metrics"
    env = dict(os.environ, BIND=f"unix:{sock}", WEB_CONCURRENCY="2", SECRET_KEY="gunicorn-test-secret",
               APP_ENV="production", INSTANCE_PATH=str(tmp_path / "instance"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", METRICS_TOKEN="tok-1",
               PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(sock, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            assert server.poll() is None, server.stdout.read().decode()
            time.sleep(0.2)
        for _ in range(40):
            _get(sock, "/healthz")
        pids = {name.split("_")[-1].split(".")[0] for name in os.listdir(metrics_dir)}
        status, headers, body = _get(sock, "/metrics", {"Authorization": "Bearer tok-1"})
        assert status == 200
        assert headers["X-Request-ID"]
        # 41 answered health checks (the first loop's last one included) across the workers.
        count = _value(body, "pkb_http_requests_total", endpoint="main.healthz", method="GET", status="200")
        assert count >= 41
        assert len(pids) >= 1
        assert _get(sock, "/metrics")[0] == 404
    finally:
        server.terminate()
        try:
            output = server.communicate(timeout=30)[0].decode()
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate()[0].decode()
    # The app's JSON request lines went to stderr; gunicorn wrote no access log of its own.
    assert '"path": "/healthz"' in output
    assert '"GET /healthz HTTP/1.1" 200' not in output


def test_app_log_records_become_json_lines_with_the_request_id(tmp_path, pg_schema, capsys):
    import logging

    logging.getLogger("app.services.mail").disabled = False  # alembic's fileConfig in a migration test
    app = make_app(tmp_path, pg_schema, LOG_JSON=True)
    try:
        def noisy():
            logging.getLogger("app.services.mail").warning("mail outbox id=%s failed: %s", 7, "SMTPError")
            return "ok"

        app.add_url_rule("/_test/noisy", "test_noisy", noisy)
        response = app.test_client().get("/_test/noisy")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        record = next(entry for entry in lines if entry.get("logger") == "app.services.mail")
        assert record["message"] == "mail outbox id=7 failed: SMTPError"
        assert record["level"] == "WARNING"
        assert record["request_id"] == response.headers["X-Request-ID"]
    finally:
        (tmp_path / "plain").mkdir()
        make_app(tmp_path / "plain", pg_schema)  # LOG_JSON off again: later tests read caplog
    assert logging.getLogger("app").propagate is True


def test_the_log_time_is_the_one_datetime_writes():
    """The line's time, made from the second's text kept once a second, is what datetime's
    isoformat wrote for the same timestamp, to the millisecond, across second boundaries."""
    from datetime import datetime, timezone

    from app.observability import _utc_stamp

    start = 1796601599.0  # 2026-12-06T23:59:59Z
    moments = [start + offset for offset in (0.0, 0.0004, 0.0005, 0.123, 0.5, 0.9994, 0.9995, 0.9999996,
                                             1.0, 1.001, 3600.25, 86400.999)]
    for created in moments + moments[::-1]:  # forwards and back: the kept second is replaced
        expected = (datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"))
        assert _utc_stamp(created) == expected, created
