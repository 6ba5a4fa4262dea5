"""Routes parse the form, call one service, flash, redirect or render."""
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import authz
from app.authz import admin_required, roles_required
from app.extensions import db, limiter
from app.models import Department
from app.procurement import bp
from app.procurement.forms import (DecisionForm, DepartmentForm, DepartmentRoleForm, HolidayForm, TeamRoleForm,
                                   TreasuryPaymentForm)
from app.services import DomainError, NotFound
from app.services import documents_pdf, procurement
from app.services.documents_pdf import file_name, stored_pdf
from app.web import act, flash_error, require_valid


def _purchase_or_404(order_id):
    try:
        return procurement.get_purchase_for(current_user, order_id)
    except NotFound:
        abort(404)


# ------------------------------------------------------------------ purchaser


@bp.route("/department/purchases")
@roles_required("buyer")
def purchases():
    return render_template("procurement/purchases.html", purchases=procurement.purchases_of(current_user),
                           is_purchaser=authz.is_purchaser(current_user))


@bp.route("/department/orders/<int:order_id>")
@login_required
def purchase(order_id, status=200):
    item = _purchase_or_404(order_id)
    actions = authz.purchase_actions(item, current_user)
    first_day, last_day = procurement.treasury_date_range(item)
    documents = [k for k in procurement.DOCUMENT_KINDS if procurement.document_available(item, k)]
    return render_template(
        "procurement/purchase.html", purchase=item, order=item.order, actions=actions,
        documents=documents, preparing=[k for k in documents if documents_pdf.preparing(item, k)],
        format_code=procurement.format_code, paid_on_min=first_day, paid_on_max=last_day,
    ), status


def _act(order_id, fn, success, form=None):
    """One department-order action: check the form (if any), call the service, come back."""
    def run():
        if form is not None:
            require_valid(form)
        fn()

    return act(run, success, url_for("procurement.purchase", order_id=order_id),
               lambda status: purchase(order_id, status=status))


@bp.route("/department/orders/<int:order_id>/bast", methods=["POST"])
@roles_required("buyer")
def confirm_bast(order_id):
    return _act(order_id, lambda: procurement.confirm_bast(current_user, order_id),
                _("Handover confirmed. The store's invoice has been issued to your department."))


@bp.route("/department/orders/<int:order_id>/documents/<kind>.pdf")
@login_required
def document(order_id, kind):
    try:
        item = procurement.get_document(current_user, order_id, kind)
    except NotFound:
        abort(404)
    response = make_response(stored_pdf(item, kind))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{file_name(item, kind)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ approver


@bp.route("/department/approvals")
@roles_required("buyer")
def approvals():
    if not authz.is_approver(current_user):
        abort(403)
    return render_template("procurement/approvals.html", queue=procurement.approval_queue(current_user))


@bp.route("/department/orders/<int:order_id>/approve", methods=["POST"])
@roles_required("buyer")
def approve(order_id):
    form = DecisionForm()
    return _act(order_id, lambda: procurement.approve_order(current_user, order_id, form.note.data),
                _("Approved. The Surat Pesanan has been issued and the store can start."), form)


@bp.route("/department/orders/<int:order_id>/refuse", methods=["POST"])
@roles_required("buyer")
def refuse(order_id):
    form = DecisionForm()
    return _act(order_id, lambda: procurement.refuse_order(current_user, order_id, form.note.data),
                _("Refused. The purchaser has been told and the stock returned."), form)


@bp.route("/department/team", methods=["GET", "POST"])
@roles_required("buyer")
def team():
    """An approver names purchasers among the colleagues of their department."""
    ids = authz.approver_department_ids(current_user)
    if not ids:
        abort(403)
    status = 200
    form = TeamRoleForm()
    if request.method == "POST":
        # Whose department first (404 for another's), then what was typed.
        if form.department_id.data not in ids:
            abort(404)
        try:
            require_valid(form)
            procurement.grant_department_role(current_user, form.department_id.data, form.email.data, "purchaser")
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            flash(_("Purchaser named."), "success")
            return redirect(url_for("procurement.team"), code=303)
    departments = [procurement.get_department(i) for i in ids]
    return render_template("procurement/team.html", departments=departments,
                           roles={d.id: procurement.department_roles(d.id) for d in departments}), status


@bp.route("/department/roles/<int:role_id>/revoke", methods=["POST"])
@login_required
def revoke_role(role_id):
    try:
        before = procurement.revoke_department_role(current_user, role_id)
    except DomainError as error:
        if error.status == 404:
            abort(404)
        flash_error(error)
        return redirect(request.referrer or url_for("main.home"), code=303)
    flash(_("Role removed."), "success")
    if current_user.has_role("admin"):
        return redirect(url_for("procurement.department", department_id=before["department_id"]), code=303)
    return redirect(url_for("procurement.team"), code=303)


# ------------------------------------------------------------------ spending and treasury


@bp.route("/department/spend")
@roles_required("buyer", "admin")
def spend():
    try:
        rows = procurement.department_spend(current_user)
    except DomainError:
        abort(403)
    due = procurement.invoices_due() if current_user.has_role("admin") else []
    return render_template("procurement/spend.html", rows=rows, due=due,
                           totals={k: sum(getattr(r, k) for r in rows)
                                   for k in ("awaiting", "in_progress", "owed", "paid", "orders")})


@bp.route("/department/orders/<int:order_id>/payment", methods=["POST"])
@admin_required
def treasury_payment(order_id):
    form = TreasuryPaymentForm()
    return _act(order_id, lambda: procurement.record_treasury_payment(
        current_user, order_id, form.paid_on.data, form.amount.data, form.reference.data),
        _("Treasury payment recorded. The order is paid and completed."), form)


# ------------------------------------------------------------------ admin: departments, holidays


@bp.route("/admin/departments", methods=["GET", "POST"])
@admin_required
def departments():
    status = 200
    form = DepartmentForm()
    if request.method == "POST":
        try:
            require_valid(form)
            department = procurement.save_department(current_user, None, form.name.data, form.code.data,
                                                     form.address.data, form.order_cap.data)
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            flash(_("Department %(name)s added.", name=department.name), "success")
            return redirect(url_for("procurement.department", department_id=department.id), code=303)
    rows = db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()
    return render_template("procurement/departments.html", departments=rows,
                           values=form.typed() if status != 200 else {}), status


@bp.route("/admin/departments/<int:department_id>", methods=["GET", "POST"])
@admin_required
def department(department_id):
    item = db.get_or_404(Department, department_id)
    status = 200
    if request.method == "POST":
        try:
            role_form = DepartmentRoleForm()
            if role_form.action.data == "role":
                require_valid(role_form)
                procurement.grant_department_role(current_user, item.id, role_form.email.data, role_form.role.data)
                message = _("Role granted.")
            else:
                form = DepartmentForm()
                require_valid(form)
                procurement.save_department(current_user, item.id, form.name.data, form.code.data,
                                            form.address.data, form.order_cap.data)
                message = _("Department saved.")
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            status = error.status
        else:
            flash(message, "success")
            return redirect(url_for("procurement.department", department_id=item.id), code=303)
    return render_template("procurement/department.html", department=item,
                           roles=procurement.department_roles(item.id)), status


@bp.route("/admin/holidays", methods=["GET", "POST"])
@admin_required
def holidays():
    status = 200
    form = HolidayForm()
    if request.method == "POST":
        try:
            require_valid(form)
            procurement.add_holiday(current_user, form.day.data, form.name.data)
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            flash(_("Holiday added."), "success")
            return redirect(url_for("procurement.holidays"), code=303)
    return render_template("procurement/holidays.html", holidays=procurement.holidays()), status


@bp.route("/admin/holidays/<int:holiday_id>/delete", methods=["POST"])
@admin_required
def delete_holiday(holiday_id):
    try:
        procurement.delete_holiday(current_user, holiday_id)
    except NotFound:
        abort(404)
    flash(_("Holiday removed."), "success")
    return redirect(url_for("procurement.holidays"), code=303)


# ------------------------------------------------------------------ public verification


def _verify_limit():
    return current_app.config["RATELIMIT_VERIFY"]


@bp.route("/verifikasi/<code>")
# Codes are 50 random bits, but nobody should get to try them by the million.
@limiter.limit(_verify_limit)
def verify(code):
    from app.services.incubator import documents as programme_documents

    # Department documents first, then the incubator's certificates and graduation letters.
    result = procurement.verify(code) or programme_documents.verify(code)
    return render_template("procurement/verify.html", result=result, code=code,
                           format_code=procurement.format_code), (200 if result else 404)
