"""Dashboard pages, their JSON (``?format=json``) and their exports.

Each board has one access function (who may see which scope); the page, its JSON and
every export go through it, so the checks cannot drift apart. Scope rules: admins see
everything; a mentor only the stores assigned to them; a seller only their store; an
approver only their department (admins may open any department's page). Another
role → 403; someone else's department → 404.
"""
from flask import abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import authz
from app.authz import admin_required, roles_required
from app.dashboards import bp
from app.extensions import db
from app.converters import parse_id
from app.models import Department, Store
from app.services import Invalid, exports, ocds, reports
from app.authz import store_ids_of


def _period():
    """(period, error message)."""
    try:
        return reports.parse_period(request.args), None
    except Invalid as error:
        return None, str(error.message)


def _board(template, tables_fn, export_endpoint, export_args=None, **context):
    period, error = _period()
    tables = tables_fn(period) if period is not None else []
    status = 422 if error else 200
    if request.args.get("format") == "json":
        if error:
            return jsonify(error=error, status=422), 422
        return jsonify(period={"from": period.start.isoformat(), "to": period.end.isoformat(), "by": period.by},
                       tables=[t.as_dict() for t in tables])
    return render_template(template, period=period, error=error, tables=tables, presets=reports.PRESETS,
                           groupings=reports.GROUPINGS, export_endpoint=export_endpoint,
                           link_args={**(export_args or {}), **(period.args() if period else {})},
                           form_args=request.args, **context), status


def _export(keys, fmt, key, tables_fn, *name_parts):
    if fmt not in exports.FORMATS or key not in keys:
        abort(404)
    period, error = _period()
    if error:
        return error, 422, {"Content-Type": "text/plain; charset=utf-8"}
    table = tables_fn(period, key)[0]
    return exports.stream_table(fmt, table, *name_parts, period.start.isoformat(), period.end.isoformat())


# ------------------------------------------------------------------ admin


@bp.route("/dashboards/admin")
@admin_required
def admin():
    return _board("dashboards/admin.html", reports.admin_tables, "dashboards.admin_export")


@bp.route("/dashboards/admin/export/<key>.<fmt>")
@admin_required
def admin_export(key, fmt):
    if key == "orders" and fmt in exports.FORMATS:
        period, error = _period()
        if error:
            return error, 422, {"Content-Type": "text/plain; charset=utf-8"}
        name = exports.filename("pasar", period.start.isoformat(), period.end.isoformat(), "orders", ext=fmt)
        return exports.stream(fmt, reports.order_export_header(), reports.order_export_rows(period), name,
                              sheet_title=_("Orders"), kinds=reports.ORDER_EXPORT_KINDS)
    return _export(reports.ADMIN_TABLES, fmt, key, lambda p, k: reports.admin_tables(p, only=k), "pasar")


# ------------------------------------------------------------------ mentor


@bp.route("/dashboards/mentor")
@roles_required("mentor")
def mentor():
    stores = reports.cohort_stores(current_user)
    return _board("dashboards/mentor.html", lambda p: reports.mentor_tables(current_user, p),
                  "dashboards.mentor_export", stores=stores)


@bp.route("/dashboards/mentor/export/<key>.<fmt>")
@roles_required("mentor")
def mentor_export(key, fmt):
    return _export(reports.MENTOR_KEYS, fmt, key, lambda p, k: reports.mentor_tables(current_user, p, only=k),
                   "cohort")


# ------------------------------------------------------------------ seller


def _seller_store():
    ids = store_ids_of(current_user)
    return db.session.get(Store, ids[0]) if ids else None


@bp.route("/dashboards/seller")
@roles_required("seller")
def seller():
    store = _seller_store()
    if store is None:
        return render_template("dashboards/no_store.html")
    return _board("dashboards/seller.html", lambda p: reports.seller_tables(store.id, p),
                  "dashboards.seller_export", store=store)


@bp.route("/dashboards/seller/export/<key>.<fmt>")
@roles_required("seller")
def seller_export(key, fmt):
    store = _seller_store()
    if store is None:
        abort(404)
    return _export(reports.SELLER_KEYS, fmt, key, lambda p, k: reports.seller_tables(store.id, p, only=k),
                   store.slug)


# ------------------------------------------------------------------ department


def _departments():
    """Departments the user may see on the department page (403 if none)."""
    if current_user.has_role("admin"):
        query = db.select(Department).order_by(Department.name)
    else:
        ids = authz.approver_department_ids(current_user)
        if not ids:
            abort(403)
        query = db.select(Department).where(Department.id.in_(ids)).order_by(Department.name)
    return db.session.execute(query).scalars().all()


def _department(departments):
    raw = request.args.get("department")
    if raw is None:
        if not departments:
            abort(404)
        return departments[0]
    wanted = parse_id(raw)
    for department in departments:
        if department.id == wanted:
            return department
    abort(404)


@bp.route("/dashboards/department")
@roles_required("buyer", "admin")
def department():
    departments = _departments()
    chosen = _department(departments)
    return _board("dashboards/department.html", lambda p: reports.department_tables(chosen.id, p),
                  "dashboards.department_export", export_args={"department": chosen.id},
                  departments=departments, department=chosen)


@bp.route("/dashboards/department/export/<key>.<fmt>")
@roles_required("buyer", "admin")
def department_export(key, fmt):
    chosen = _department(_departments())
    return _export(reports.DEPARTMENT_KEYS, fmt, key,
                   lambda p, k: reports.department_tables(chosen.id, p, only=k), chosen.code)


# ------------------------------------------------------------------ open data (public)


@bp.route("/open-data/ocds")
def open_data():
    return render_template("dashboards/open_data.html", prefix=ocds.ocid_prefix(),
                           releases=ocds.release_count(),
                           package_url=url_for("dashboards.ocds_releases", _external=True))


@bp.route("/open-data/ocds/releases.json")
def ocds_releases():
    package = ocds.release_package(url_for("dashboards.ocds_releases", _external=True),
                                   base_url=current_app.config.get("BASE_URL", ""))
    response = jsonify(package)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
