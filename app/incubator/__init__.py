"""The incubator programme's pages: cohorts and their mentors (admins), the mentor's desk
of startups sorted by who needs attention, a startup's programme page (indicators, timeline,
sessions and actions, self-reports, graduation checklist), training with attendance and
certificates, graduation decisions and letters, and the programme report."""
from datetime import timedelta

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.admin import admin_link
from app.jobs import periodic
from app.nav import nav_item

bp = Blueprint("incubator", __name__)


nav_item("incubator.mentor_desk", _l("My startups"), icon="people", roles=("mentor",), order=47, group="mentor")
# The store's programme page is linked from the seller's desk (the bar keeps one line).
admin_link("incubator.cohorts", _l("Cohorts"), "people", 36)
admin_link("incubator.trainings", _l("Training"), "easel", 37)
admin_link("incubator.graduation", _l("Graduation"), "mortarboard", 38)
admin_link("incubator.report", _l("Programme report"), "file-earmark-bar-graph", 39)
periodic("incubator-mentor-digest", timedelta(days=7), "app.services.incubator.digest:send_mentor_digests")

from app.incubator import routes  # noqa: E402,F401


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.incubator.demo import seed_programme

    register_seeder(state.app, seed_programme)
