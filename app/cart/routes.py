"""Cart and checkout pages. Routes parse the form, call one service, flash, redirect."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app import authz
from app.authz import roles_required
from app.cart import bp
from app.cart.forms import AddToCartForm, PlaceOrderForm, QuantityForm, checkout_form
from app.labels import unit_label
from app.models import TIME_WINDOWS
from app.services import DomainError, Invalid
from app.services import cart as cart_service
from app.services import checkout as checkout_service
from app.services import payments
from app.parsing import ParseError, parse_optional_int
from app.web import flash_error, require_valid, safe_next

SESSION_KEY = "checkout_details"


def _render_cart(status=200):
    return render_template("cart/view.html", view=cart_service.view(current_user)), status


@bp.route("/")
@roles_required("buyer")
def view():
    return _render_cart()


@bp.route("/add/<int:product_id>", methods=["POST"])
@roles_required("buyer")
def add(product_id):
    form = AddToCartForm()
    try:
        require_valid(form)
        item = cart_service.add_item(current_user, product_id, form.quantity.data, form.variant.data)
    except DomainError as error:
        flash_error(error)
        return _render_cart(error.status)
    flash(_("%(name)s is in your cart (%(quantity)s %(unit)s).",
            name=cart_service.display_name(item.product, item.variant),
            quantity=item.quantity, unit=unit_label(item.product.unit, item.quantity)), "success")
    return redirect(safe_next(form.next.data, "cart.view"), code=303)


@bp.route("/items/<int:item_id>/update", methods=["POST"])
@roles_required("buyer")
def update(item_id):
    form = QuantityForm()
    try:
        require_valid(form)
        cart_service.update_quantity(current_user, item_id, form.quantity.data)
    except DomainError as error:
        flash_error(error)
        return _render_cart(error.status)
    flash(_("The quantity has been changed."), "success")
    return redirect(url_for("cart.view"), code=303)


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@roles_required("buyer")
def remove(item_id):
    try:
        cart_service.remove_item(current_user, item_id)
    except DomainError as error:
        flash_error(error)
        return _render_cart(error.status)
    flash(_("The product has been removed from your cart."), "success")
    return redirect(url_for("cart.view"), code=303)


# ------------------------------------------------------------------ checkout


def _default_details(view):
    department = current_user.department
    first = checkout_service.earliest_date(view.max_lead_time_days)
    return {
        "delivery_method": "office",
        "delivery_address": (f"{department.name}\n{department.address}" if department else ""),
        "requested_date": first.isoformat(),
        "time_window": "10-12" if first > clock.today() else "",
        "payment_method": "cod",
        "contact_phone": current_user.phone or "",
        "notes": {},
        "payment_data": {},
    }


def _details_from_form(form, view):
    """The checkout form, read into the service's Details (typed: a date, store ids, the
    chosen method's own data)."""
    if form.requested_date.data is None:
        raise Invalid(form.requested_date.errors[0] if form.requested_date.errors
                      else _("Enter the requested date as a date."))
    notes = {}
    for group in view.groups:
        note = form[f"note_{group.store.id}"].data
        if note:
            notes[group.store.id] = note
    return checkout_service.Details(
        delivery_method=form.delivery_method.data or "",
        delivery_address=form.delivery_address.data or "",
        requested_date=form.requested_date.data,
        time_window=form.time_window.data or "",
        payment_method=form.payment_method.data or "",
        contact_phone=form.contact_phone.data or "",
        notes=notes,
        payment_data=_payment_data(form),
    )


def _payment_data(form):
    """The chosen method's own checkout fields (e.g. a department's budget line)."""
    method = payments.get(form.payment_method.data or "")
    return method.read_form(form.data) if method is not None else {}


@bp.route("/checkout", methods=["GET", "POST"])
@roles_required("buyer")
def checkout():
    view = cart_service.view(current_user)
    if view.is_empty:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("cart.view"))
    methods = payments.available_for(current_user, view.cart)
    status = 200
    values = (checkout_service.Details.from_session(session.get(SESSION_KEY)) or None)
    values = values.to_session() if values else _default_details(view)
    if request.method == "POST":
        form = checkout_form(group.store.id for group in view.groups)
        typed = form.typed()
        values = {
            **{k: typed[k] for k in ("delivery_method", "delivery_address", "requested_date", "time_window",
                                     "payment_method", "contact_phone")},
            "notes": {str(g.store.id): typed[f"note_{g.store.id}"] for g in view.groups},
            "payment_data": _payment_data(form),
        }
        try:
            require_valid(form)
            details = _details_from_form(form, view)
            checkout_service.check_details(current_user, details, view)
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            session[SESSION_KEY] = details.to_session()
            return redirect(url_for("cart.review"), code=303)
    earliest = checkout_service.earliest_date(view.max_lead_time_days)
    # A civil servant of a department who is not its purchaser is told how to become one.
    offer_hint = (current_user.department_id is not None and not authz.is_purchaser(current_user)
                  and all(m.code != "department" for m in methods))
    return render_template("cart/checkout.html", view=view, methods=methods, values=values,
                           earliest=earliest, time_windows=TIME_WINDOWS, offer_purchaser_hint=offer_hint), status


@bp.route("/checkout/review")
@roles_required("buyer")
def review():
    view = cart_service.view(current_user)
    details = checkout_service.Details.from_session(session.get(SESSION_KEY))
    if view.is_empty:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("cart.view"))
    if details is None:
        return redirect(url_for("cart.checkout"))
    return render_template("cart/review.html", view=view, details=details,
                           method=payments.get(details.payment_method),
                           key=checkout_service.new_idempotency_key(), time_windows=TIME_WINDOWS)


@bp.route("/checkout/place", methods=["POST"])
@roles_required("buyer")
def place():
    details = checkout_service.Details.from_session(session.get(SESSION_KEY))
    form = PlaceOrderForm()
    key = (form.idempotency_key.data or "")[:64]
    try:
        expected_total = parse_optional_int(form.expected_total.data)
    except ParseError:
        # The review page always sends the total it showed; without a readable one the
        # guard against a cart changed in another tab cannot work, so nothing is placed.
        flash(_("The order total could not be read. Check your cart and place the order again."), "warning")
        return redirect(url_for("cart.review"), code=303)
    if details is None:
        # The session lost the details (e.g. second tab after placing): a replay still works.
        existing = checkout_service._existing(current_user, key) if key else None
        if existing is not None:
            return redirect(url_for("cart.done", checkout_id=existing.id), code=303)
        flash(_("Fill in the delivery details again."), "warning")
        return redirect(url_for("cart.checkout"), code=303)
    try:
        result = checkout_service.place_orders(current_user, key, details, expected_total=expected_total)
    except checkout_service.ItemProblems as error:
        flash(_("Nothing was ordered: some items cannot be had. Change or remove them and try again."), "danger")
        return render_template("cart/view.html", view=cart_service.view(current_user),
                               problems=error.problems), error.status
    except DomainError as error:
        flash_error(error)
        view = cart_service.view(current_user)
        if view.is_empty:
            return _render_cart(error.status)
        return render_template("cart/review.html", view=view, details=details,
                               method=payments.get(details.payment_method),
                               key=checkout_service.new_idempotency_key(),
                               time_windows=TIME_WINDOWS), error.status
    session.pop(SESSION_KEY, None)
    if result.replayed:
        flash(_("This order was already placed; here it is."), "info")
    else:
        flash(_("Thank you! Your order has been placed."), "success")
    return redirect(result.next_url or url_for("cart.done", checkout_id=result.checkout_id), code=303)


@bp.route("/checkout/<int:checkout_id>")
@roles_required("buyer")
def done(checkout_id):
    attempt = checkout_service.orders_of_checkout(current_user, checkout_id)
    if attempt is None:
        abort(404)
    return render_template("cart/done.html", attempt=attempt, orders=attempt.orders)
