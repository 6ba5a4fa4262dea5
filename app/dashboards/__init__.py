"""Dashboards: the admin's programme overview, the mentor's cohort, the seller's store
and the approver's department, each with CSV/XLSX exports of its tables; and the
public open-data page with the OCDS release package of department purchases."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app import authz
from app.admin import admin_link
from app.nav import nav_item

bp = Blueprint("dashboards", __name__)


def _is_approver(user):
    return authz.is_approver(user)


nav_item("dashboards.mentor", _l("My cohort"), icon="graph-up", roles=("mentor",), order=46)
nav_item("dashboards.seller", _l("Dashboard"), icon="graph-up", roles=("seller",), order=41)
nav_item("dashboards.department", _l("Department dashboard"), icon="graph-up", roles=("buyer",), order=36,
         when=_is_approver)
admin_link("dashboards.admin", _l("Dashboard"), "graph-up", 5)

from app.dashboards import routes  # noqa: E402,F401
