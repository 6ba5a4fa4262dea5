"""Outgoing e-mail.

Every message is written to the outbox table in the same transaction as the change
that caused it, then delivered through SMTP when MAIL_SERVER is set. Without SMTP
(development, tests) the outbox row is the message: an admin reads it at
/admin/outbox, so a person trying the app can click a verification link.
"""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale

from app.extensions import db
from app.models import OutboxMessage
from app.orm import utcnow

log = logging.getLogger(__name__)


def queue_email(to, subject, template, locale=None, **context):
    """Render ``templates/emails/<template>.txt`` (and .html if any) into the outbox.

    The caller commits. Delivery happens after commit via ``deliver_pending``.
    """
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject_text = str(subject)
        body_text = render_template(f"emails/{template}.txt", **context)
        body_html = render_template(f"emails/{template}.html", **context)
    message = OutboxMessage(to=to, subject=subject_text, body_text=body_text, body_html=body_html)
    db.session.add(message)
    if has_request_context():
        g.mail_queued = True
    return message


def register(app):
    """Deliver what a request queued once it has committed (in-process delivery)."""

    @app.after_request
    def deliver_after_request(response):
        if g.pop("mail_queued", False) and response.status_code < 500:
            deliver_pending()
        return response


def deliver_pending(limit=50):
    """Send queued messages through SMTP; without SMTP mark them kept in the outbox."""
    rows = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.status == "queued").order_by(OutboxMessage.id).limit(limit)
    ).scalars().all()
    server = current_app.config.get("MAIL_SERVER")
    for message in rows:
        if not server:
            message.status = "kept"
            continue
        message.attempts += 1
        try:
            _send_smtp(message)
        except (OSError, smtplib.SMTPException) as exc:
            # The error class is logged; the message body and credentials never are.
            log.warning("mail to outbox id=%s failed: %s", message.id, type(exc).__name__)
            message.last_error = type(exc).__name__
            message.status = "failed" if message.attempts >= 5 else "queued"
        else:
            message.status = "sent"
            message.sent_at = utcnow()
    db.session.commit()
    return len(rows)


def _send_smtp(message):
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=15) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
