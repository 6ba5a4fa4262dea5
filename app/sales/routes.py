"""The store's side of orders: incoming orders by state, detail with actions, packing
list, payment received at delivery, messages, review replies."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import roles_required
from app.extensions import db
from app.models import COD_PAYMENT_KINDS, ORDER_STATES
from app.sales import bp
from app.orders.forms import (
    DeliveryPaymentForm,
    MessageForm,
    ReasonForm,
    ReplyForm,
    ReportAnswerForm,
    StoreActionForm,
)
from app.services import DomainError
from app.services import orders as order_service
from app.services import order_answer, payments, problem_reports
from app.services.acceptance import amount_due_on_delivery
from app.services.images import Upload
from app.services import reviews as review_service
from app.web import act, flash_error, or_404, page_arg, require_valid, safe_next

# Tabs of the incoming list, in the order work happens.
TABS = ("placed", "accepted", "ready", "delivered", "invoiced", "completed", "cancelled", "declined", "refused",
        "expired")
# Not the store's to start on yet: shown apart, under their own labels.
WAITING_TABS = order_service.WAITING_STATES


def _load(order_id):
    return or_404(order_service.get_order_for_store, current_user, order_id, *order_service.detail_options("buyer"))


@bp.route("/")
@roles_required("seller")
def index():
    state = request.args.get("state") or None
    if state not in ORDER_STATES:
        state = None
    page = page_arg()
    pagination = order_service.store_orders(current_user, state=state, page=page)
    return render_template("sales/index.html", state=state, tabs=TABS, waiting_tabs=WAITING_TABS,
                           counts=order_service.store_state_counts(current_user), pagination=pagination,
                           deadlines=order_answer.deadlines_of(pagination.items),
                           actions_for=lambda order: order_service.allowed_actions(order, "store"))


def _render_detail(order, status=200, answer_form=None):
    method = payments.get(order.payment_method)
    can_record = bool(method and method.can_record_delivery_payment(order))
    return render_template("sales/detail.html", order=order, can_record_payment=can_record,
                           reports=problem_reports.reports_of(order.id), answer_form=answer_form or ReportAnswerForm(),
                           amount_due=amount_due_on_delivery(order),
                           deadline=order_answer.deadlines_of([order]).get(order.id),
                           payment_kinds=COD_PAYMENT_KINDS,
                           actions=order_service.allowed_actions(order, "store")), status


@bp.route("/<int:order_id>")
@roles_required("seller")
def detail(order_id):
    return _render_detail(_load(order_id))


@bp.route("/<int:order_id>/packing")
@roles_required("seller")
def packing(order_id):
    return render_template("sales/packing.html", order=_load(order_id))


def _act(order_id, fn, success, form=None):
    """One action on a store's order. From the list (a seller working through the morning's
    orders on a phone) back to the same list, tab and page; otherwise to the order."""
    form = form or StoreActionForm()

    def run():
        _load(order_id)  # someone else's order: 404 before anything typed is judged
        require_valid(form)
        fn()

    def done():
        target = (form.next.data or "").strip() if "next" in form else ""
        if target and safe_next(target) == target and urlsplit(target).path == url_for("sales.index"):
            return target
        return url_for("sales.detail", order_id=order_id)

    return act(run, success, done, lambda status: _render_detail(_load(order_id), status))


@bp.route("/<int:order_id>/accept", methods=["POST"])
@roles_required("seller")
def accept(order_id):
    return _act(order_id, lambda: order_service.accept_order(current_user, order_id),
                _("The order has been accepted."))


@bp.route("/<int:order_id>/decline", methods=["POST"])
@roles_required("seller")
def decline(order_id):
    form = ReasonForm()
    return _act(order_id, lambda: order_service.decline_order(current_user, order_id, form.reason.data),
                _("The order has been declined and the stock returned."), form)


@bp.route("/<int:order_id>/ready", methods=["POST"])
@roles_required("seller")
def ready(order_id):
    return _act(order_id, lambda: order_service.mark_ready(current_user, order_id), _("The order is marked ready."))


@bp.route("/<int:order_id>/delivered", methods=["POST"])
@roles_required("seller")
def delivered(order_id):
    return _act(order_id, lambda: order_service.mark_delivered(current_user, order_id),
                _("The order is marked delivered."))


@bp.route("/<int:order_id>/payment", methods=["POST"])
@roles_required("seller")
def payment(order_id):
    form = DeliveryPaymentForm()
    return _act(order_id, lambda: order_service.record_delivery_payment(
        current_user, order_id, form.kind.data, form.amount.data, form.reference.data),
        _("The payment has been recorded."), form)


@bp.route("/<int:order_id>/messages", methods=["POST"])
@roles_required("seller")
def message(order_id):
    form = MessageForm()
    return _act(order_id, lambda: order_service.post_message(current_user, order_id, form.body.data, "store"),
                _("Your message has been sent."), form)


@bp.route("/reviews")
@roles_required("seller")
def reviews():
    page = page_arg()
    return render_template("sales/reviews.html", pagination=review_service.for_stores(current_user, page=page))


@bp.route("/reviews/<int:review_id>/reply", methods=["POST"])
@roles_required("seller")
def reply(review_id):
    form = ReplyForm()
    try:
        require_valid(form)
        review_service.reply_to_review(current_user, review_id, form.reply.data)
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash_error(error)
        page = review_service.for_stores(current_user)
        return render_template("sales/reviews.html", pagination=page), error.status
    flash(_("Your reply has been published."), "success")
    return redirect(url_for("sales.reviews"), code=303)


@bp.route("/reports/<int:report_id>/answer", methods=["POST"])
@roles_required("seller")
def answer_report(report_id):
    """The store answers a problem report: replace, refund the rejected part, or dispute."""
    report = or_404(problem_reports.get_report_for, current_user, report_id)
    order_id = report.order_id
    _load(order_id)  # a report the admins may see but this store may not: 404
    form = ReportAnswerForm()

    def run():
        require_valid(form)
        uploads = [Upload.from_file_storage(f) for f in (form.photos.data or []) if getattr(f, "filename", "")]
        problem_reports.answer_report(current_user, report_id, form.answer.data, form.statement.data,
                                      form.amount.data, uploads)

    return act(run, _("Your answer has been sent to the buyer."), url_for("sales.detail", order_id=order_id),
               lambda status: _render_detail(_load(order_id), status, answer_form=form))
