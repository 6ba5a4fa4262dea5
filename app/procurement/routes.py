"""Routes parse the form, call one service, flash, redirect or render."""
from datetime import timedelta

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import authz, clock
from app.authz import admin_required, roles_required
from app.extensions import db, limiter
from app.models import RATING_ASPECTS, Department
from app.procurement import bp
from app.procurement.forms import (CategoryTaxKindForm, DecisionForm, DepartmentForm, DepartmentRoleForm,
                                   HandoverPaymentForm, HolidayForm, NtpnForm, PricesForm, QuoteNoteForm, TaxRuleForm,
                                   TeamRoleForm, TreasurerPaymentForm, prices_form,
                                   quote_request_form)
from app.orders.forms import StoreRatingForm, acceptance_form
from app.services import DomainError, NotFound
from app.services import documents_pdf, exports, problem_reports, procurement, quotes, store_ratings, tax_rules
from app.services.procurement import taxes
from app.services.acceptance import acceptance_of
from app.services.images import Upload
from app.services.documents_pdf import file_name, stored_pdf
from app.converters import parse_id
from app.web import act, flash_error, or_404, require_valid


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
def purchase(order_id, status=200, rating_form=None):
    item = _purchase_or_404(order_id)
    actions = authz.purchase_actions(item, current_user)
    first_day, last_day = procurement.treasury_date_range(item)
    documents = [k for k in procurement.DOCUMENT_KINDS if procurement.document_available(item, k)]
    return render_template(
        "procurement/purchase.html", purchase=item, order=item.order, actions=actions, tax=procurement.breakdown(item),
        documents=documents, preparing=[k for k in documents if documents_pdf.preparing(item, k)],
        format_code=procurement.format_code, paid_on_min=first_day, paid_on_max=last_day,
        amount_due=procurement.amount_due(item),
        can_record_ntpn=authz.is_treasurer(current_user, item.department_id) or current_user.has_role("admin"),
        acceptance=acceptance_of(item.order), may_rate=store_ratings.may_rate(current_user, item),
        rating=store_ratings.rating_of(item.order_id), rating_form=rating_form or StoreRatingForm(),
        quote=quotes.quote_of_order(item.order_id),
        report_open=problem_reports.active_report_of(item.order_id) is not None,
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
    order = _purchase_or_404(order_id).order
    form = acceptance_form(order)
    return _act(order_id, lambda: procurement.confirm_bast(current_user, order_id, form.accepted(order)),
                _("Handover confirmed. The store's invoice has been issued to your department."), form)


@bp.route("/department/orders/<int:order_id>/rating", methods=["POST"])
@roles_required("buyer")
def rate_store(order_id):
    """The PPK (or the purchaser) rates the store of a paid department order, once."""
    _purchase_or_404(order_id)
    form = StoreRatingForm()

    def run():
        require_valid(form)
        store_ratings.rate_store(current_user, order_id, {a: form[a].data for a in RATING_ASPECTS}, form.note.data)

    return act(run, _("Thank you: your rating of the store has been recorded."),
               url_for("procurement.purchase", order_id=order_id),
               lambda status: purchase(order_id, status=status, rating_form=form))


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
@roles_required("buyer", "admin")
def treasury_payment(order_id):
    form = TreasurerPaymentForm()
    return _act(order_id, lambda: procurement.record_treasury_payment(
        current_user, order_id, form.paid_on.data, form.amount.data, form.reference.data, form.slip.data,
        form.ntpn.data, bool(form.ntpn_pending.data)),
        _("Payment recorded. The order is paid and completed."), form)


@bp.route("/department/orders/<int:order_id>/handover-payment", methods=["POST"])
@roles_required("buyer")
def handover_payment(order_id):
    form = HandoverPaymentForm()
    return _act(order_id, lambda: procurement.pay_on_delivery(
        current_user, order_id, form.paid_on.data, form.amount.data, form.slip.data, form.ntpn.data,
        bool(form.ntpn_pending.data)),
        _("Payment recorded and the kuitansi issued: print it for the store to sign."), form)


@bp.route("/department/orders/<int:order_id>/ntpn", methods=["POST"])
@roles_required("buyer", "admin")
def record_ntpn(order_id):
    form = NtpnForm()
    return _act(order_id, lambda: procurement.record_tax_payment(current_user, order_id, form.ntpn.data),
                _("NTPN recorded."), form)


# ------------------------------------------------------------------ treasurer


def _treasurer_departments():
    ids = authz.treasurer_department_ids(current_user)
    if not ids:
        abort(403)
    return [procurement.get_department(i) for i in ids]


@bp.route("/department/treasury")
@roles_required("buyer")
def treasury():
    departments = _treasurer_departments()
    due, handover = procurement.treasury_desk(current_user)
    first, _last = taxes.month_range(None, None)
    return render_template("procurement/treasury.html", due=due, handover=handover, departments=departments,
                           month=first, amount_due=procurement.amount_due)


def _report(modes, template, name):
    departments = _treasurer_departments()
    wanted = request.args.get("department", type=parse_id)
    department = next((d for d in departments if d.id == wanted), None) if wanted else departments[0]
    if department is None:
        abort(404)
    first, last = taxes.month_range(request.args.get("year", type=parse_id), request.args.get("month", type=parse_id))
    rows = taxes.register_rows(taxes.paid_in(department.id, first, last, modes))
    fmt = request.args.get("format", "")
    if fmt in exports.FORMATS:
        header = [_("Paid on"), _("Order"), _("Invoice / kuitansi"), _("Payment"), _("Store"), _("NPWP"),
                  _("Gross"), _("DPP"), "PPN", "PPh 22", "PPh 23", _("Final income tax 0.5%"),
                  _("Withheld or collected"), _("Net paid"), _("Slip (bukti potong/pungut)"), "NTPN"]
        keys = ("paid_on", "order", "document", "mode", "store", "npwp", "gross", "dpp", "ppn", "pph22", "pph23",
                "pph_final", "withheld", "net", "slip", "ntpn")
        kinds = ["date", "text", "text", "text", "text", "text", *(["money"] * 8), "text", "text"]
        body = ([r[k] if k != "ntpn" or r[k] != "pending" else _("pending") for k in keys] for r in rows)
        return exports.stream(fmt, header, body, exports.filename(name, department.code, first.strftime("%Y-%m"),
                                                                    ext=fmt),
                              sheet_title=name, kinds=kinds)
    return render_template(template, rows=rows, department=department, departments=departments, first=first,
                           last=last, totals={k: sum(r[k] for r in rows) for k in
                                              ("gross", "ppn", "pph22", "pph23", "pph_final", "withheld", "net")})


@bp.route("/department/treasury/register")
@roles_required("buyer")
def tax_register():
    return _report(None, "procurement/tax_register.html", "tax-register")


@bp.route("/department/treasury/up")
@roles_required("buyer")
def up_report():
    return _report(("up_card", "up_treasurer"), "procurement/up_report.html", "up-spending")


# ------------------------------------------------------------------ admin: tax rules


def _rule_input(form):
    return tax_rules.RuleInput(
        tax=form.tax.data, applies_to=form.applies_to.data, store_vat=form.store_vat.data,
        store_certificate=form.store_certificate.data, rate_bp=form.rate_bp.data, base_num=form.base_num.data,
        base_den=form.base_den.data, threshold=form.threshold.data, legal_basis=form.legal_basis.data,
        effective_from=form.effective_from.data, effective_until=form.effective_until.data)


@bp.route("/admin/tax-rules", methods=["GET", "POST"])
@admin_required
def tax_rule_list():
    status, values = 200, {}
    if request.method == "POST":
        form = TaxRuleForm()
        try:
            require_valid(form)
            rule_id = request.args.get("rule", type=parse_id)
            if rule_id:
                tax_rules.update_rule(current_user, rule_id, _rule_input(form))
                message = _("Tax rule changed.")
            else:
                tax_rules.add_rule(current_user, _rule_input(form))
                message = _("Tax rule added.")
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            status, values = error.status, form.typed()
        else:
            flash(message, "success")
            return redirect(url_for("procurement.tax_rule_list"), code=303)
    from app.models import Category

    categories = db.session.execute(db.select(Category).order_by(Category.position, Category.name_id)).scalars().all()
    return render_template("procurement/tax_rules.html", rules=tax_rules.all_rules_ordered(),
                           used=tax_rules.used_rule_ids(), categories=categories, values=values), status


@bp.route("/admin/tax-rules/categories", methods=["POST"])
@admin_required
def category_tax_kind():
    form = CategoryTaxKindForm()
    try:
        require_valid(form)
        tax_rules.set_category_tax_kind(current_user, form.category_id.data, form.tax_kind.data)
    except DomainError as error:
        if error.status == 404:
            abort(404)
        flash_error(error)
        return redirect(url_for("procurement.tax_rule_list"), code=303)
    flash(_("Category saved."), "success")
    return redirect(url_for("procurement.tax_rule_list"), code=303)


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
                                                     form.address.data, form.order_cap.data,
                                                     letterhead=form.letterhead(),
                                                     logo=Upload.from_file_storage(form.logo.data))
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
                procurement.grant_department_role(current_user, item.id, role_form.email.data, role_form.role.data,
                                                  role_form.nip.data)
                message = _("Role granted.")
            else:
                form = DepartmentForm()
                require_valid(form)
                procurement.save_department(current_user, item.id, form.name.data, form.code.data,
                                            form.address.data, form.order_cap.data, letterhead=form.letterhead(),
                                            logo=Upload.from_file_storage(form.logo.data),
                                            remove_logo=form.remove_logo.data)
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

    # Department documents first, then negotiation records, then the incubator's certificates
    # and graduation letters.
    result = procurement.verify(code) or quotes.verify(code) or programme_documents.verify(code)
    return render_template("procurement/verify.html", result=result, code=code,
                           format_code=procurement.format_code), (200 if result else 404)


# ------------------------------------------------------------------ quotes (negotiation)


def _quote_or_404(quote_id):
    return or_404(quotes.get_quote_for, current_user, quote_id)


def _cart_group(store_id):
    from app.services import cart as cart_service

    view = cart_service.view(current_user, images=False)
    group = next((g for g in view.groups if g.store.id == store_id), None)
    if group is None:
        abort(404)
    return group


def _request_page(group, form, status=200):
    return render_template("procurement/quote_new.html", group=group, form=form,
                           min_day=(clock.today() + timedelta(days=1)).isoformat()), status


@bp.route("/department/quotes/new/<int:store_id>", methods=["GET", "POST"])
@roles_required("buyer")
def new_quote(store_id):
    """From the cart: ask one store for a quote on its lines (purchasers only)."""
    if not authz.is_purchaser(current_user):
        abort(403)
    group = _cart_group(store_id)
    form = quote_request_form(group.lines)
    if request.method == "GET":
        form.delivery_address.data = current_user.department.address if current_user.department else ""
        form.contact_phone.data = current_user.phone or ""
        return _request_page(group, form)
    try:
        require_valid(form)
        quote = quotes.request_quote(current_user, store_id, form.lines([ln.product for ln in group.lines]),
                                     form.note.data, form.answer_by.data, form.order_data())
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash_error(error)
        return _request_page(_cart_group(store_id), form, error.status)
    flash(_("Your request for a quote has been sent to %(store)s.", store=quote.store.name), "success")
    return redirect(url_for("procurement.quote", quote_id=quote.id), code=303)


@bp.route("/department/quotes", endpoint="quotes")
@roles_required("buyer")
def quotes_list():
    return render_template("procurement/quotes.html", quotes=quotes.quotes_of_buyer(current_user), side="buyer")


@bp.route("/sales/quotes")
@roles_required("seller")
def store_quotes():
    return render_template("procurement/quotes.html", quotes=quotes.quotes_of_store(current_user), side="store")


def _quote_page(quote, status=200, form=None):
    side = quotes.side_of(current_user, quote)
    return render_template("procurement/quote.html", quote=quote, side=side, actions=quotes.allowed(quote, side),
                           form=form or prices_form(quote), note_form=QuoteNoteForm(),
                           max_rounds=quotes.max_rounds(), flagged=quotes.above_list_lines(quote),
                           today=clock.today(), max_valid=(clock.today() + timedelta(
                               days=quotes.offer_valid_days())).isoformat(),
                           format_code=procurement.format_code), status


@bp.route("/department/quotes/<int:quote_id>")
@login_required
def quote(quote_id):
    return _quote_page(_quote_or_404(quote_id))


def _quote_act(quote_id, fn, success, form, done=None):
    def run():
        _quote_or_404(quote_id)  # a stranger: 404 before anything typed is judged
        require_valid(form)
        fn()

    return act(run, success, done or url_for("procurement.quote", quote_id=quote_id),
               lambda status: _quote_page(_quote_or_404(quote_id), status, form if isinstance(form, PricesForm)
                                          else None))


@bp.route("/department/quotes/<int:quote_id>/offer", methods=["POST"])
@roles_required("seller")
def offer_quote(quote_id):
    form = prices_form(_quote_or_404(quote_id))
    return _quote_act(quote_id, lambda: quotes.make_offer(current_user, quote_id, form.prices(),
                                                          form.valid_until.data, form.note.data),
        _("Your offer has been sent to the purchaser."), form)


@bp.route("/department/quotes/<int:quote_id>/decline", methods=["POST"])
@roles_required("seller")
def decline_quote(quote_id):
    form = QuoteNoteForm()
    return _quote_act(quote_id, lambda: quotes.decline_quote(current_user, quote_id, form.note.data),
                      _("You declined the request for a quote."), form)


@bp.route("/department/quotes/<int:quote_id>/counter", methods=["POST"])
@login_required
def counter_quote(quote_id):
    form = prices_form(_quote_or_404(quote_id))
    return _quote_act(quote_id, lambda: quotes.counter_offer(current_user, quote_id, form.prices(),
                                                             form.note.data),
        _("Your counter-offer has been sent to the store."), form)


@bp.route("/department/quotes/<int:quote_id>/accept", methods=["POST"])
@login_required
def accept_quote(quote_id):
    form = QuoteNoteForm()
    return _quote_act(quote_id, lambda: quotes.accept_offer(current_user, quote_id),
                      _("Offer accepted: the department order at the agreed price waits for your approver."), form)


@bp.route("/department/quotes/<int:quote_id>/withdraw", methods=["POST"])
@login_required
def withdraw_quote(quote_id):
    form = QuoteNoteForm()
    return _quote_act(quote_id, lambda: quotes.withdraw_quote(current_user, quote_id, form.note.data),
                      _("You withdrew the request for a quote."), form)


@bp.route("/department/quotes/<int:quote_id>/berita-acara-negosiasi.pdf")
@login_required
def quote_record(quote_id):
    from app.services import quotes_pdf

    item = or_404(quotes.get_record, current_user, quote_id)
    response = make_response(quotes_pdf.render_ba_pdf(item))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{quotes_pdf.file_name(item)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
