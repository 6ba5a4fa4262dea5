"""Routes parse the form, call one service, flash, redirect or render."""
from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import admin_required
from app.disputes import bp
from app.disputes.forms import DisputeDecisionForm
from app.services import problem_reports
from app.web import act, require_valid


def _render(status=200, form=None, failed_id=None):
    return render_template("disputes/index.html", reports=problem_reports.disputes(),
                           decided=problem_reports.disputes(states=("upheld", "dismissed"))[-20:],
                           form=form or DisputeDecisionForm(), failed_id=failed_id, me="admin"), status


@bp.route("/")
@admin_required
def index():
    return _render()


@bp.route("/<int:report_id>/decide", methods=["POST"])
@admin_required
def decide(report_id):
    form = DisputeDecisionForm()

    def run():
        problem_reports.get_report_for(current_user, report_id)  # not there: 404
        require_valid(form)
        problem_reports.decide_dispute(current_user, report_id, form.decision.data, form.note.data)

    return act(run, _("The dispute has been decided; both parties are told."), url_for("disputes.index"),
               lambda status: _render(status, form, report_id))
