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
from app.orm import rows_matched, utcnow

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
    """Deliver every new outbox message through a background job, once its transaction commits.

    Each message gets its own ``deliver_message`` job on the ``mail`` queue (see ``app.jobs``:
    RQ with Redis, in-process without). The periodic ``mail-retry`` job picks up messages whose
    back-off has passed, and any whose job was lost. Admins see failed and waiting messages at
    /admin/jobs/mail and can retry them.
    """
    from datetime import timedelta

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.jobs import periodic

    periodic("mail-retry", timedelta(minutes=1), "app.services.mail:deliver_pending", queue="mail")
    if not event.contains(Session, "after_flush", _queue_delivery_jobs):
        event.listen(Session, "after_flush", _queue_delivery_jobs)


def _queue_delivery_jobs(session, flush_context):
    from flask import has_app_context

    from app.jobs import enqueue_on

    if not has_app_context() or session is not db.session():
        return  # a session of its own (a script, a migration): the mail-retry sweep sends it
    for obj in list(session.new):
        if isinstance(obj, OutboxMessage) and obj.status == "queued":
            enqueue_on("mail", deliver_message, obj.id)  # held until this transaction commits


#: Minutes to wait after the 1st, 2nd, 3rd, 4th failed attempt; the 5th failure is final.
RETRY_BACKOFF_MINUTES = (1, 5, 25, 125)
MAX_ATTEMPTS = len(RETRY_BACKOFF_MINUTES) + 1
#: How long a worker holds a message it is sending before another may try it.
SEND_LEASE = 10  # minutes


def deliver_pending(limit=50):
    """Queue a delivery job for each queued message that is due: its back-off is over, or it
    was never tried (its job is still waiting, or was lost). Returns how many. A message
    queued twice is still sent once (``deliver_message`` claims it)."""
    from sqlalchemy import or_

    from app import clock
    from app.jobs import enqueue_on

    now = clock.now()
    ids = db.session.execute(
        db.select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued",
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id).limit(limit)
    ).scalars().all()
    for message_id in ids:
        enqueue_on("mail", deliver_message, message_id)
    return len(ids)


def deliver_message(message_id):
    """Send one queued message through SMTP (or keep it in the outbox when there is no SMTP).

    The message is claimed by a conditional UPDATE (attempts + 1, a short lease), so two
    workers never send it twice. A failure waits 1, 5, 25, 125 minutes; the fifth failure
    marks it "failed". Only the error class is logged: never the body or the credentials.
    Returns the status the message ended in, or None when it was not this job's to send.
    """
    from datetime import timedelta

    from sqlalchemy import or_, update

    from app import clock

    now = clock.now()
    due = [OutboxMessage.id == message_id, OutboxMessage.status == "queued",
           or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)]
    if not current_app.config.get("MAIL_SERVER"):
        kept = db.session.execute(
            update(OutboxMessage).where(*due).values(status="kept", next_attempt_at=None))
        db.session.commit()
        return "kept" if rows_matched(kept) == 1 else None
    claimed = db.session.execute(
        update(OutboxMessage).where(*due)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + timedelta(minutes=SEND_LEASE))
    )
    db.session.commit()
    if rows_matched(claimed) != 1:
        return None
    message = db.session.get_one(OutboxMessage, message_id)  # claimed just now
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = type(exc).__name__
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
            message.next_attempt_at = None
        else:
            message.next_attempt_at = clock.now() + timedelta(
                minutes=RETRY_BACKOFF_MINUTES[message.attempts - 1])
        log.warning("mail outbox id=%s attempt %s failed: %s", message.id, message.attempts,
                    type(exc).__name__)
    else:
        message.status = "sent"
        message.sent_at = utcnow()
        message.next_attempt_at = None
        message.last_error = ""
    db.session.commit()
    return message.status


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
