"""The buyer's orders: list, detail with timeline and messages, receipt, cancel,
confirm receipt, reviews."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import roles_required
from app.extensions import db
from app.models import Order, OrderItem
from app.orders import bp
from app.orders.forms import MessageForm, ReasonForm, ReviewForm
from app.forms import ConfirmForm
from app.services import DomainError
from app.services import orders as order_service
from app.services import reviews as review_service
from app.web import act, flash_error, or_404, page_arg, require_valid


def _load(order_id):
    return or_404(order_service.get_order_for_buyer, current_user, order_id, *order_service.detail_options("store"))


@bp.route("/")
@roles_required("buyer")
def index():
    page = page_arg()
    return render_template("orders/index.html", pagination=order_service.buyer_orders(current_user, page=page))


def _render_detail(order, status=200):
    product_ids = [i.product_id for i in order.items if i.product_id]
    reviewed = review_service.reviewed_product_ids(current_user, product_ids) if order.state == "completed" else set()
    return render_template("orders/detail.html", order=order, reviewed=reviewed,
                           actions=order_service.allowed_actions(order, "buyer")), status


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
