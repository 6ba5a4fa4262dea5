"""The buyer's orders: list, detail with timeline and messages, receipt, cancel,
confirm receipt, reviews."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.authz import roles_required
from app.extensions import db
from app.models import Order, OrderItem
from app.orders import bp
from app.orders.forms import MessageForm, ReasonForm, ReviewForm, problem_report_form
from app.forms import ConfirmForm
from app.services import DomainError
from app.services import orders as order_service
from app.services import problem_reports
from app.services import store_ratings
from app.services.images import Upload
from app.services import reviews as review_service
from app.web import act, flash_error, or_404, page_arg, require_valid


def _load(order_id):
    return or_404(order_service.get_order_for_buyer, current_user, order_id, *order_service.detail_options("store"))


@bp.route("/")
@roles_required("buyer")
def index():
    page = page_arg()
    return render_template("orders/index.html", pagination=order_service.buyer_orders(current_user, page=page))


def _render_detail(order, status=200, report_form=None):
    product_ids = [i.product_id for i in order.items if i.product_id]
    reviewed = review_service.reviewed_product_ids(current_user, product_ids) if order.state == "completed" else set()
    reports = problem_reports.reports_of(order.id)
    report_open = any(r.state in problem_reports.ACTIVE_STATES for r in reports)
    may_report = order.state == "delivered" and not report_open
    actions = order_service.allowed_actions(order, "buyer")
    if report_open:  # confirming waits for the store's answer (or the admins' decision)
        actions = [a for a in actions if a != "confirm_receipt"]
    return render_template("orders/detail.html", order=order, reviewed=reviewed, actions=actions, reports=reports,
                           report_form=report_form or (problem_report_form(order) if may_report else None),
                           store_rating=store_ratings.summary_of(order.store_id)), status


@bp.route("/<int:order_id>")
@roles_required("buyer")
def detail(order_id):
    return _render_detail(_load(order_id))


@bp.route("/<int:order_id>/receipt")
@roles_required("buyer")
def receipt(order_id):
    return render_template("orders/receipt.html", order=_load(order_id))


def _act(order_id, fn, success, form=None):
    """One action of the buyer on their order; someone else's order is a 404."""
    form = form or ConfirmForm()

    def run():
        _load(order_id)
        require_valid(form)
        fn()

    return act(run, success, url_for("orders.detail", order_id=order_id),
               lambda status: _render_detail(_load(order_id), status))


@bp.route("/<int:order_id>/cancel", methods=["POST"])
@roles_required("buyer")
def cancel(order_id):
    form = ReasonForm()
    return _act(order_id, lambda: order_service.cancel_order(current_user, order_id, form.reason.data),
                _("The order has been cancelled."), form)


@bp.route("/<int:order_id>/confirm", methods=["POST"])
@roles_required("buyer")
def confirm(order_id):
    return _act(order_id, lambda: order_service.confirm_receipt(current_user, order_id),
                _("Thank you! The order is completed."))


@bp.route("/<int:order_id>/messages", methods=["POST"])
@roles_required("buyer")
def message(order_id):
    form = MessageForm()
    return _act(order_id, lambda: order_service.post_message(current_user, order_id, form.body.data, "buyer"),
                _("Your message has been sent."), form)


@bp.route("/items/<int:item_id>/review", methods=["POST"])
@roles_required("buyer")
def review(item_id):
    item = db.session.execute(
        db.select(OrderItem).join(Order).where(OrderItem.id == item_id, Order.buyer_id == current_user.id)
    ).scalar_one_or_none()
    if item is None:
        abort(404)
    order_id = item.order_id
    form = ReviewForm()
    try:
        require_valid(form)
        review_service.post_review(current_user, item_id, form.rating.data, form.comment.data)
    except DomainError as error:
        flash_error(error)
        return _render_detail(_load(order_id), error.status)
    flash(_("Thank you for your review."), "success")
    return redirect(url_for("orders.detail", order_id=order_id), code=303)


# ------------------------------------------------------------------ inspection at delivery


@bp.route("/<int:order_id>/problem", methods=["POST"])
@roles_required("buyer")
def report_problem(order_id):
    order = _load(order_id)  # someone else's order: 404 before anything typed is judged
    form = problem_report_form(order)

    def run():
        require_valid(form)
        uploads = [Upload.from_file_storage(f) for f in (form.photos.data or []) if getattr(f, "filename", "")]
        problem_reports.report_problem(current_user, order_id, form.reason.data, form.statement.data,
                                       form.lines(order), uploads)

    return act(run, _("Your problem report has been sent to the store."), url_for("orders.detail", order_id=order_id),
               lambda status: _render_detail(_load(order_id), status, report_form=form))


@bp.route("/reports/<int:report_id>/photos/<int:photo_id>/<variant>.webp")
@login_required
def report_photo(report_id, photo_id, variant):
    """A problem report's photo, for its buyer, its store and the admins only."""
    from flask import Response

    from app.storage import StorageError, get_storage

    key = or_404(problem_reports.photo_for, current_user, report_id, photo_id, variant)
    try:
        data = get_storage().read(key)
    except StorageError:
        abort(404)
    response = Response(data, mimetype="image/webp")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
