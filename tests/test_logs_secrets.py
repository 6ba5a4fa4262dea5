"""No secret in the logs: passwords, e-mail link tokens, SECRET_KEY, the Stripe keys and the
session cookie never appear in any log record, whatever the level, while a person registers,
verifies, fails and succeeds to log in, resets a password and Stripe-like webhooks arrive."""
import json
import logging

import pytest

from app.extensions import db
from tests.conftest import empty_tables, make_app
from tests.helpers import last_link
from tests.stripe_helpers import make_event, signature

SECRETS = {
    "SECRET_KEY": "logs-test-secret-key-0b1c2d3e4f5a6b7c8d9e",
    "STRIPE_SECRET_KEY": "sk_test_logsSecretKey1234567890",
    "STRIPE_WEBHOOK_SECRET": "whsec_logsWebhookSecret1234567890",
    "METRICS_TOKEN": "metrics-token-logs-0123456789",
}
PASSWORD = "Kata-Sandi-Rahasia-7731"
NEW_PASSWORD = "Sandi-Baru-Rahasia-4410"
WRONG_PASSWORD = "Salah-Sandi-Rahasia-5521"
WATCHED = ("", "app", "pkb", "pkb.request", "pkb.jobs", "werkzeug", "flask_limiter", "sqlalchemy")


class Keep(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        # Everything a formatter could write: message, arguments, extra fields, traceback.
        self.lines.append(" ".join(str(part) for part in (
            record.getMessage(), record.args, getattr(record, "fields", ""),
            logging.Formatter().formatException(record.exc_info) if record.exc_info else "")))


@pytest.fixture
def logged(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, LOG_JSON=True, LOG_REQUESTS=True, STRIPE_API_BASE="http://127.0.0.1:9",
                   **SECRETS)
    keep = Keep()
    saved = []
    for name in WATCHED:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.addHandler(keep)
        logger.setLevel(logging.DEBUG)
    yield app, keep
    for logger, level in saved:
        logger.removeHandler(keep)
        logger.setLevel(level)
    if pg_schema is not None:
        empty_tables(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _drive(app, client):
    """The journey; returns the values that must never be logged."""
    seen = {"password": PASSWORD, "new password": NEW_PASSWORD, "wrong password": WRONG_PASSWORD}
    response = client.post("/auth/register", data={"role": "seller", "full_name": "Aming Log", "email": "log@umkm.test",
                                                   "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    verify = last_link(app, "log@umkm.test", "/auth/verify/")
    seen["verification token"] = verify.rsplit("/", 1)[1]
    assert client.get(verify).status_code in (200, 302)
    assert client.post("/auth/login", data={"email": "log@umkm.test", "password": WRONG_PASSWORD}).status_code == 401
    assert client.post("/auth/login", data={"email": "log@umkm.test", "password": PASSWORD}).status_code == 302
    seen["session cookie"] = client.get_cookie("session").value
    assert client.get("/account/").status_code == 200
    client.post("/auth/logout")

    assert client.post("/auth/forgot", data={"email": "log@umkm.test"}).status_code == 302
    reset = last_link(app, "log@umkm.test", "/auth/reset/")
    seen["reset token"] = reset.rsplit("/", 1)[1]
    assert client.get(reset).status_code == 200
    assert client.post(reset, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert client.post(reset, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    assert client.post("/auth/login", data={"email": "log@umkm.test", "password": NEW_PASSWORD}).status_code == 302
    seen["second session cookie"] = client.get_cookie("session").value

    # Stripe-like deliveries: unsigned, badly signed, signed (its processing may call a Stripe that is not there).
    event = json.dumps(make_event("payment_intent.succeeded", {"id": "pi_logs_1", "object": "payment_intent",
                                                               "amount": 25000, "metadata": {}}))
    anonymous = app.test_client()
    assert anonymous.post("/webhooks/stripe", data=event, content_type="application/json").status_code == 400
    assert anonymous.post("/webhooks/stripe", data=event, content_type="application/json",
                          headers={"Stripe-Signature": "t=1,v1=00"}).status_code == 400
    anonymous.post("/webhooks/stripe", data=event, content_type="application/json",
                   headers={"Stripe-Signature": signature(event, secret=SECRETS["STRIPE_WEBHOOK_SECRET"])})
    anonymous.get("/metrics", headers={"Authorization": f"Bearer {SECRETS['METRICS_TOKEN']}"})
    seen.update(SECRETS)
    return seen


def test_no_secret_reaches_any_log_record(logged, capfd):
    app, keep = logged
    client = app.test_client()
    secrets = _drive(app, client)
    captured = capfd.readouterr()
    written = "\n".join(keep.lines) + "\n" + captured.err + "\n" + captured.out
    # The logs were really captured: a JSON request line for the login, with its request id.
    request_lines = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/auth/login" and line.get("request_id") for line in request_lines)
    assert any(line.get("path") == "/auth/reset/<token>" for line in request_lines)
    leaked = [name for name, value in secrets.items() if value and value in written]
    assert not leaked, f"in the logs: {leaked}"
