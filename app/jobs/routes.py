"""Admin page for background work: e-mails that failed or wait for a retry, periodic jobs."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import admin_link
from app.forms import ConfirmForm
from app.authz import admin_required
from app.extensions import db
from app.models import OutboxMessage
from app.services import Conflict, DomainError
from app.web import flash_error, page_arg

bp = Blueprint("jobs", __name__)
admin_link("jobs.mail", _l("E-mail delivery"), "envelope-exclamation", 85)


def retry_message(actor, message):
    """An admin sends a failed or waiting e-mail again now; a failed one gets five new attempts."""
    from app.jobs import enqueue_on
    from app.services import audit
    from app.services.mail import deliver_message

    if message.status not in ("failed", "queued"):
        raise Conflict(_("Only failed or waiting e-mails can be retried."))
    before = {"status": message.status, "attempts": message.attempts}
    if message.status == "failed":
        message.attempts = 0
    message.status = "queued"
    message.next_attempt_at = None
    audit.record(actor, "mail.retry", message, before=before, after={"status": "queued"})
    enqueue_on("mail", deliver_message, message.id)  # dispatched once this commit is done
    db.session.commit()


@bp.route("/mail")
@admin_required
def mail():
    from app.jobs import periodic_jobs
    from app.jobs.models import PeriodicJobRun

    page = db.paginate(
        db.select(OutboxMessage).where(OutboxMessage.status.in_(("failed", "queued")))
        .order_by(OutboxMessage.status, OutboxMessage.id.desc()),
        page=page_arg(), per_page=50)
    runs = {row.name: row for row in db.session.execute(db.select(PeriodicJobRun)).scalars()}
    return render_template("jobs/mail.html", page=page, retry_form=ConfirmForm(),
                           periodic=[(job, runs.get(job.name)) for job in periodic_jobs()])


@bp.route("/mail/<int:message_id>/retry", methods=["POST"])
@admin_required
def retry(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form expired or was sent from elsewhere. Reload the page and try again."), "danger")
        return redirect(url_for("jobs.mail")), 303
    try:
        retry_message(current_user, message)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("jobs.mail")), 303
    flash(_("The e-mail to %(to)s is queued to be sent again.", to=message.to), "success")
    return redirect(url_for("jobs.mail")), 303
