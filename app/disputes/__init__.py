"""The programme admins' dispute desk: problem reports a store disputes, decided with both
sides' statements and photos in front of them (app.services.problem_reports)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("disputes", __name__)


def open_disputes() -> int:
    """Problem reports waiting for the admins' decision (the tile's count on the admin home)."""
    from app.extensions import db
    from app.models import ProblemReport, ProblemReportState

    return db.session.execute(db.select(db.func.count(ProblemReport.id))
                              .where(ProblemReport.state == ProblemReportState.DISPUTED)).scalar_one()


def _register_tile():
    # A tile on the admin home, like the other admin desks: the top bar keeps one "Admin" entry.
    from app.admin import admin_link

    admin_link("disputes.index", _l("Disputes"), "shield-exclamation", 35, count=open_disputes)


_register_tile()

from app.disputes import routes  # noqa: E402,F401


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.disputes.demo import seed_after_order

    register_seeder(state.app, seed_after_order)
