"""Routes of the shopping lists and of "order again": parse the form, call one service,
flash, redirect."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import clock
from app.authz import roles_required
from app.i18n import rupiah
from app.lists import bp
from app.lists.forms import AddToListForm, LineForm, ListForm, ShareForm
from app.extensions import db
from app.forms import ConfirmForm
from app.services import DomainError, shopping_lists, signed_in_cache
from app.web import act, flash_error, or_404, require_valid, safe_next

buyer_required = roles_required("buyer")


def _index(status=200, form=None):
    own, shared = shopping_lists.lists_of(current_user)
    return render_template("lists/index.html", own=own, shared=shared, form=form or ListForm()), status


@bp.route("/")
@buyer_required
def index():
    return _index()


@bp.route("/new", methods=["POST"])
@buyer_required
def create():
    form = ListForm()
    created = {}

    def run():
        require_valid(form)
        created["list"] = shopping_lists.create_list(current_user, form.name.data)

    return act(run, _("The list is made. Add products from their pages."),
               lambda: url_for("lists.detail", list_id=created["list"].id), lambda status: _index(status, form))


def _detail(list_id, status=200, share_form=None):
    shopping_list = or_404(shopping_lists.get_list, current_user, list_id)
    return render_template(
        "lists/detail.html", shopping_list=shopping_list, items=shopping_lists.items_of(shopping_list),
        level=shopping_lists.access(current_user, shopping_list), share_form=share_form or ShareForm(),
        rename_form=ListForm(name=shopping_list.name), confirm=ConfirmForm(), today=clock.today(),
        line_name=shopping_lists.line_name, line_state=shopping_lists.line_state,
        line_price=shopping_lists.line_price), status


@bp.route("/<int:list_id>")
@buyer_required
def detail(list_id):
    return _detail(list_id)


def _list_action(list_id, fn, success, form=None, done=None):
    form = form or ConfirmForm()

    def run():
        or_404(shopping_lists.get_list, current_user, list_id)
        require_valid(form)
        fn()

    return act(run, success, done or url_for("lists.detail", list_id=list_id),
               lambda status: _detail(list_id, status, form if isinstance(form, ShareForm) else None))


@bp.route("/<int:list_id>/rename", methods=["POST"])
@buyer_required
def rename(list_id):
    form = ListForm()
    return _list_action(list_id, lambda: shopping_lists.rename(current_user, list_id, form.name.data),
                        _("The list is renamed."), form)


@bp.route("/<int:list_id>/delete", methods=["POST"])
@buyer_required
def delete(list_id):
    return _list_action(list_id, lambda: shopping_lists.delete_list(current_user, list_id),
                        _("The list is deleted."), done=url_for("lists.index"))


@bp.route("/<int:list_id>/lines/<int:line_id>/update", methods=["POST"])
@buyer_required
def update_line(list_id, line_id):
    form = LineForm()
    return _list_action(list_id, lambda: shopping_lists.set_quantity(current_user, list_id, line_id,
                                                                     form.quantity.data),
                        _("The quantity has been changed."), form)


@bp.route("/<int:list_id>/lines/<int:line_id>/remove", methods=["POST"])
@buyer_required
def remove_line(list_id, line_id):
    return _list_action(list_id, lambda: shopping_lists.remove_item(current_user, list_id, line_id),
                        _("The product is off the list."))


@bp.route("/<int:list_id>/share", methods=["POST"])
@buyer_required
def share(list_id):
    form = ShareForm()
    return _list_action(list_id, lambda: shopping_lists.share(current_user, list_id, form.email.data,
                                                              form.mode.data == "edit"),
                        _("The list is shared."), form)


@bp.route("/<int:list_id>/shares/<int:share_id>/remove", methods=["POST"])
@buyer_required
def unshare(list_id, share_id):
    return _list_action(list_id, lambda: shopping_lists.unshare(current_user, list_id, share_id),
                        _("The list is no longer shared with them."))


def _report(outcome):
    """Flash what went into the cart, what costs something else today, what did not go in."""
    if outcome.added:
        flash(ngettext("%(num)d product is in your cart at today’s price.",
                       "%(num)d products are in your cart at today’s prices.", len(outcome.added)), "success")
    for name, old, new in outcome.repriced:
        flash(_("%(name)s costs %(new)s today (it was %(old)s).", name=name, new=rupiah(new), old=rupiah(old)), "info")
    if outcome.missing:
        flash(_("Not in your cart: %(lines)s", lines="; ".join(f"{name} ({why})" for name, why in outcome.missing)),
              "warning")


def _to_cart(fn, on_error):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        outcome = fn()
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash_error(error)
        return on_error(error.status)
    _report(outcome)
    return redirect(url_for("cart.view"), code=303)


@bp.route("/<int:list_id>/to-cart", methods=["POST"])
@buyer_required
def to_cart(list_id):
    or_404(shopping_lists.get_list, current_user, list_id)
    return _to_cart(lambda: shopping_lists.add_all_to_cart(current_user, list_id),
                    lambda status: _detail(list_id, status))


@bp.route("/reorder/<int:order_id>", methods=["POST"])
@buyer_required
def reorder(order_id):
    """"Order again" on a past order."""
    return _to_cart(lambda: shopping_lists.reorder(current_user, order_id),
                    lambda status: _index(status))


@bp.route("/from-order/<int:order_id>", methods=["POST"])
@buyer_required
def from_order(order_id):
    form = ListForm()
    created = {}

    def run():
        require_valid(form)
        created["list"] = shopping_lists.save_order_as_list(current_user, order_id, form.name.data)

    def again(status):
        return redirect(url_for("orders.detail", order_id=order_id), code=303)

    return act(run, _("The order’s products are kept as a list."),
               lambda: url_for("lists.detail", list_id=created["list"].id), again)


@bp.route("/add/<int:product_id>", methods=["POST"])
@buyer_required
def add(product_id):
    """From the product page: onto a list (or a new one)."""
    form = AddToListForm()
    form.list_id.choices = [("", "")]
    back = safe_next(form.next.data, "lists.index")
    try:
        require_valid(form)
        if form.list_id.data is None:
            item = shopping_lists.add_to_new_list(current_user, form.name.data, product_id, form.quantity.data,
                                                  form.variant.data)
        else:
            item = shopping_lists.add_product(current_user, form.list_id.data, product_id, form.quantity.data,
                                              form.variant.data)
    except DomainError as error:
        if error.status == 404:
            abort(404)
        db.session.rollback()
        flash_error(error)
        return _index(error.status)
    flash(_("%(name)s is on the list “%(list)s”.", name=shopping_lists.line_name(item), list=item.shopping_list.name),
          "success")
    return redirect(back, code=303)


@bp.app_template_global()
def lists_to_add_to(user):
    """The lists the product page offers (own, and shared editable)."""
    if not getattr(user, "is_authenticated", False) or not user.has_role("buyer"):
        return []
    # Kept with the signed-in user between their requests (every product page shows them).
    return signed_in_cache.kept(user, "editable_lists", lambda: shopping_lists.editable_lists(user))
