"""E-mail goes out through delivery jobs; SMTP failures are retried with back-off, then shown
to admins, who can retry. Neither the SMTP password nor a message body reaches a log."""
import logging
import smtplib
import uuid
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import OutboxMessage
from app.services.mail import deliver_message, deliver_pending, queue_email
from tests.conftest import empty_tables, make_app

SMTP_PASSWORD = "smtp-Sandi-Rahasia-991"  # noqa: S105 - a test value that must never be logged


class FakeSMTP:
    """Stands in for smtplib.SMTP: the first ``fail_next`` connections fail, the rest deliver."""

    fail_next = 0
    sent = []
    logins = []
    connections = 0

    def __init__(self, host, port, timeout=None):
        type(self).connections += 1
        if type(self).fail_next > 0:
            type(self).fail_next -= 1
            raise smtplib.SMTPConnectError(421, b"try again later")
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        type(self).logins.append((user, password))

    def send_message(self, message):
        type(self).sent.append(message)


@pytest.fixture(autouse=True)
def _mail_log_enabled():
    # An earlier migration test in this process ran alembic's fileConfig, which disables loggers.
    logging.getLogger("app.services.mail").disabled = False


@pytest.fixture
def smtp(monkeypatch):
    FakeSMTP.fail_next = 0
    FakeSMTP.sent = []
    FakeSMTP.logins = []
    FakeSMTP.connections = 0
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


MAIL_CONFIG = {"MAIL_SERVER": "smtp.example.test", "MAIL_PORT": 587, "MAIL_USERNAME": "pasar",
               "MAIL_PASSWORD": SMTP_PASSWORD, "MAIL_USE_TLS": True}


@pytest.fixture
def mail_app(tmp_path, pg_schema, smtp):
    app = make_app(tmp_path, pg_schema, **MAIL_CONFIG)
    yield app
    if pg_schema is not None:
        empty_tables(app)
    else:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _queue(app, to="asn1@pontianak.go.id", secret="BODY-SECRET-7Q"):
    with app.test_request_context():
        message = queue_email(to, "Atur ulang kata sandi", "reset_password",
                              user=type("U", (), {"full_name": "Siti", "email": to})(),
                              link=f"http://localhost/auth/reset/{secret}")
        db.session.commit()  # the delivery job starts after this commit
        return message.id


def _make(app, factory, **fields):
    """A factory object in ``app``'s database; returns its e-mail address."""
    from tests import factories

    with app.app_context():
        return getattr(factories, factory)(**fields).email


def _row(app, message_id):
    with app.app_context():
        return db.session.get(OutboxMessage, message_id)


def test_failing_smtp_is_retried_with_back_off_until_it_succeeds(mail_app, smtp, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    smtp.fail_next = 2
    message_id = _queue(mail_app)

    row = _row(mail_app, message_id)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "SMTPConnectError")
    assert timedelta(seconds=50) < row.next_attempt_at - clock.now() <= timedelta(minutes=1)

    with mail_app.app_context():
        assert deliver_pending() == 0  # the back-off is not over: nothing is tried
    assert smtp.connections == 1

    clock.travel(minutes=1, seconds=1)
    with mail_app.app_context():
        assert deliver_pending() == 1
    row = _row(mail_app, message_id)
    assert (row.status, row.attempts) == ("queued", 2)
    assert timedelta(minutes=4) < row.next_attempt_at - clock.now() <= timedelta(minutes=5)

    clock.travel(minutes=3)
    with mail_app.app_context():
        assert deliver_pending() == 0
    clock.travel(minutes=2, seconds=1)
    with mail_app.app_context():
        deliver_pending()
    row = _row(mail_app, message_id)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("sent", 3, "", None)
    assert row.sent_at is not None
    assert len(smtp.sent) == 1 and smtp.sent[0]["To"] == "asn1@pontianak.go.id"
    assert "BODY-SECRET-7Q" in smtp.sent[0].get_body(("plain",)).get_content()
    assert smtp.logins == [("pasar", SMTP_PASSWORD)]

    # What was logged names the failures but carries no password and no body.
    logged = caplog.text + capfd.readouterr().err
    assert "SMTPConnectError" in logged
    assert SMTP_PASSWORD not in logged
    assert "BODY-SECRET-7Q" not in logged


def test_five_failures_mark_the_message_failed(mail_app, smtp):
    smtp.fail_next = 100
    message_id = _queue(mail_app)
    for minutes in (1, 5, 25, 125):
        clock.travel(minutes=minutes, seconds=1)
        with mail_app.app_context():
            deliver_pending()
    row = _row(mail_app, message_id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 5, None)
    clock.travel(days=1)
    with mail_app.app_context():
        assert deliver_pending() == 0  # a failed message waits for an admin
    assert smtp.connections == 5
    assert smtp.sent == []


def test_a_message_is_sent_once_even_when_two_jobs_run_for_it(mail_app, smtp):
    smtp.fail_next = 1
    message_id = _queue(mail_app)  # first attempt fails, retry due in a minute
    clock.travel(minutes=2)
    with mail_app.app_context():
        assert deliver_message(message_id) == "sent"
        assert deliver_message(message_id) is None  # already sent: the second job does nothing
    assert len(smtp.sent) == 1


def test_a_message_held_by_a_worker_is_not_taken_by_another(mail_app, smtp):
    with mail_app.app_context():
        message = OutboxMessage(to="a@pontianak.go.id", subject="s", body_text="b",
                                next_attempt_at=clock.now() + timedelta(minutes=10))
        db.session.add(message)
        db.session.commit()  # a delivery job runs after the commit, finds the lease, does nothing
        assert deliver_message(message.id) is None
    assert smtp.connections == 0


def test_a_request_sends_its_mail_after_the_response_is_ready(mail_app, smtp):
    email = _make(mail_app, "BuyerFactory", email="siti@pontianak.go.id")
    client = mail_app.test_client()
    response = client.post("/auth/forgot", data={"email": email})
    assert response.status_code == 302
    assert len(smtp.sent) == 1
    assert smtp.sent[0]["To"] == "siti@pontianak.go.id"
    with mail_app.app_context():
        row = db.session.execute(db.select(OutboxMessage)).scalar_one()
        assert (row.status, row.attempts) == ("sent", 1)


def test_without_smtp_messages_stay_in_the_outbox(app):
    message_id = _queue(app)
    row = _row(app, message_id)
    assert (row.status, row.attempts) == ("kept", 0)


# --------------------------------------------------------------------- the admin page

def _failed_message(app, smtp):
    smtp.fail_next = 5
    message_id = _queue(app, to="gagal@pontianak.go.id")
    for minutes in (1, 5, 25, 125):
        clock.travel(minutes=minutes, seconds=1)
        with app.app_context():
            deliver_pending()
    assert _row(app, message_id).status == "failed"
    return message_id


def test_admin_sees_failed_mail_and_retries_it(mail_app, smtp):
    from tests.conftest import AuthActions

    message_id = _failed_message(mail_app, smtp)
    _make(mail_app, "AdminFactory", email="admin@pontianak.go.id")
    client = mail_app.test_client()
    AuthActions(client).login("admin@pontianak.go.id")

    page = client.get("/admin/jobs/mail")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "gagal@pontianak.go.id" in html and "SMTPConnectError" in html
    assert f"/admin/jobs/mail/{message_id}/retry" in html
    assert "mail-retry" in html  # the periodic jobs are listed too
    assert "/admin/jobs/mail" in client.get("/admin/").get_data(as_text=True)

    response = client.post(f"/admin/jobs/mail/{message_id}/retry", follow_redirects=True)
    assert response.status_code == 200
    row = _row(mail_app, message_id)
    assert (row.status, row.attempts) == ("sent", 1)
    assert [m["To"] for m in smtp.sent] == ["gagal@pontianak.go.id"]
    assert "gagal@pontianak.go.id" not in client.get("/admin/jobs/mail").get_data(as_text=True)

    # A sent message cannot be retried: a message, 409 semantics shown as a flash.
    html = client.post(f"/admin/jobs/mail/{message_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert len(smtp.sent) == 1
    assert "alert" in html

    with mail_app.app_context():
        from app.models import AuditEntry

        actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
        assert "mail.retry" in actions


def test_only_admins_reach_the_mail_page(mail_app, smtp):
    from tests.conftest import AuthActions

    message_id = _failed_message(mail_app, smtp)
    client = mail_app.test_client()
    assert client.get("/admin/jobs/mail").status_code == 302  # to the login page
    assert client.post(f"/admin/jobs/mail/{message_id}/retry").status_code == 302
    _make(mail_app, "SellerFactory", email="penjual@umkm.test")
    AuthActions(client).login("penjual@umkm.test")
    assert client.get("/admin/jobs/mail").status_code == 403
    assert client.post(f"/admin/jobs/mail/{message_id}/retry").status_code == 403
    assert _row(mail_app, message_id).status == "failed"


def test_retry_of_an_unknown_message_is_404(mail_app):
    from tests.conftest import AuthActions

    _make(mail_app, "AdminFactory", email="admin@pontianak.go.id")
    client = mail_app.test_client()
    AuthActions(client).login("admin@pontianak.go.id")
    assert client.post("/admin/jobs/mail/999/retry").status_code == 404


def test_retry_needs_the_csrf_token(tmp_path, pg_schema, smtp):
    from tests.conftest import AuthActions

    app = make_app(tmp_path, pg_schema, WTF_CSRF_ENABLED=True, **MAIL_CONFIG)
    try:
        message_id = _failed_message(app, smtp)
        _make(app, "AdminFactory", email="admin@pontianak.go.id")
        client = app.test_client()
        login_page = client.get("/auth/login").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        AuthActions(client).login("admin@pontianak.go.id", csrf_token=token)
        response = client.post(f"/admin/jobs/mail/{message_id}/retry")
        assert response.status_code in (303, 400)
        assert _row(app, message_id).status == "failed"
    finally:
        if pg_schema is not None:
            empty_tables(app)


# --------------------------------------------------------------------- on Redis

def test_with_redis_each_message_is_a_job_on_the_mail_queue(tmp_path, pg_schema, smtp):
    from rq import Queue

    from app.jobs.runner import set_app
    from tests.helpers import redis_or_skip

    conn = redis_or_skip()
    prefix = f"pkbtest-{uuid.uuid4().hex[:10]}"
    app = make_app(tmp_path, pg_schema, REDIS_URL="redis://127.0.0.1:6379/0", JOBS_QUEUE_PREFIX=prefix,
                   **MAIL_CONFIG)
    try:
        first = _queue(app, to="a@pontianak.go.id")
        second = _queue(app, to="b@pontianak.go.id")
        with app.app_context():
            queue = Queue(f"{prefix}-mail", connection=conn)
            assert [job.args[1] for job in queue.get_jobs()] == [(first,), (second,)]
        assert smtp.sent == []
        set_app(app)
        result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst", "--simple", "--queue", "mail"])
        assert result.exit_code == 0, result.output
        assert sorted(m["To"] for m in smtp.sent) == ["a@pontianak.go.id", "b@pontianak.go.id"]
        assert _row(app, first).status == "sent"
    finally:
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)
        if pg_schema is not None:
            empty_tables(app)
