"""The programme admins' dispute desk: problem reports a store disputes, decided with both
sides' statements and photos in front of them (app.services.problem_reports)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_counter, nav_item

bp = Blueprint("disputes", __name__)
nav_item("disputes.index", _l("Disputes"), icon="shield-exclamation", roles=("admin",), order=92, group="admin",
         badge="disputes_open")


def _open_disputes(user):
    from app.extensions import db
    from app.models import ProblemReport, ProblemReportState

    if not user.has_role("admin"):
        return 0
    return db.session.execute(db.select(db.func.count(ProblemReport.id))
                              .where(ProblemReport.state == ProblemReportState.DISPUTED)).scalar_one()


nav_counter("disputes_open", _open_disputes)

from app.disputes import routes  # noqa: E402,F401


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.disputes.demo import seed_after_order

    register_seeder(state.app, seed_after_order)
