"""Audit entries, newest first, filtered by actor, object type/id, action and date."""
import json

from flask import render_template, request
from flask_login import current_user  # noqa: F401 - admin_required reads it
from sqlalchemy import false

from app.auditlog import bp
from app.authz import admin_required
from app.extensions import db
from app.converters import parse_id
from app.models import AuditEntry, User
from app.parsing import is_ascii_number
from app.services import Invalid, reports
from app.web import page_arg

PER_PAGE = 50


def pretty(value):
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _id_is(column, text):
    """``column`` equals the id in ``text``; an id beyond the column's range matches nothing."""
    value = parse_id(text)
    return column == value if value is not None else false()


def _filters(args):
    """(query conditions, cleaned filter values, error message)."""
    conditions, values, error = [], {}, None
    actor = (args.get("actor") or "").strip()
    if actor:
        values["actor"] = actor
        if is_ascii_number(actor):
            conditions.append(_id_is(AuditEntry.actor_id, actor))
        else:
            ids = db.select(User.id).where(User.email.ilike(f"%{actor}%") | User.full_name.ilike(f"%{actor}%"))
            conditions.append(AuditEntry.actor_id.in_(ids))
    for name, column in (("object_type", AuditEntry.object_type), ("action", AuditEntry.action)):
        value = (args.get(name) or "").strip()
        if value:
            values[name] = value
            conditions.append(column == value)
    object_id = (args.get("object_id") or "").strip()
    if object_id:
        values["object_id"] = object_id
        if is_ascii_number(object_id):
            conditions.append(_id_is(AuditEntry.object_id, object_id))
        else:
            error = "object_id"
    if args.get("from") or args.get("to"):
        values["from"], values["to"] = args.get("from", ""), args.get("to", "")
        try:
            period = reports.parse_period({"from": args.get("from", ""), "to": args.get("to", "")})
        except Invalid as exc:
            error = str(exc.message)
        else:
            conditions += [AuditEntry.created_at >= period.utc_start, AuditEntry.created_at < period.utc_end]
    return conditions, values, error


@bp.route("/")
@admin_required
def index():
    from flask_babel import gettext as _

    conditions, values, error = _filters(request.args)
    if error == "object_id":
        error = _("The object id is a number.")
    page = None
    if not error:
        query = (db.select(AuditEntry).where(*conditions).options(db.joinedload(AuditEntry.actor))
                 .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))
        page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    object_types = db.session.execute(
        db.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).scalars().all()
    actions = db.session.execute(db.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars().all()
    return render_template("auditlog/index.html", page=page, values=values, error=error, pretty=pretty,
                           object_types=object_types, actions=actions), (422 if error else 200)
