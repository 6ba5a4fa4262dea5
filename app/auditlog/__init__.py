"""The audit log viewer for admins: read-only (GET only; entries are never edited or
deleted by the app)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.admin import admin_link

bp = Blueprint("auditlog", __name__)
admin_link("auditlog.index", _l("Audit log"), "journal-text", 85)

from app.auditlog import routes  # noqa: E402,F401
