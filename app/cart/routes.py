"""Cart and checkout pages. Routes parse the form, call one service, flash, redirect."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.authz import roles_required
from app.cart import bp
from app.labels import unit_label
from app.models import TIME_WINDOWS
from app.services import DomainError, Invalid
from app.services import cart as cart_service
from app.services import checkout as checkout_service
from app.services import payments
from app.web import flash_error, safe_next

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
    try:
        quantity = cart_service.parse_quantity(request.form.get("quantity"))
        item = cart_service.add_item(current_user, product_id, quantity)
    except DomainError as error:
        flash_error(error)
        return _render_cart(error.status)
    flash(_("%(name)s is in your cart (%(quantity)s %(unit)s).", name=item.product.name,
            quantity=item.quantity, unit=unit_label(item.product.unit, item.quantity)), "success")
    return redirect(safe_next(request.form.get("next"), "cart.view"), code=303)


@bp.route("/items/<int:item_id>/update", methods=["POST"])
@roles_required("buyer")
def update(item_id):
    try:
        quantity = cart_service.parse_quantity(request.form.get("quantity"))
        cart_service.update_quantity(current_user, item_id, quantity)
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
    raw_date = (form.get("requested_date") or "").strip()
    try:
        requested = date.fromisoformat(raw_date)
    except ValueError as error:
        raise Invalid(_("Enter the requested date as a date.")) from error
    store_ids = {group.store.id for group in view.groups}
    notes = {}
    for store_id in store_ids:  # notes for stores not in the cart are ignored
        note = (form.get(f"note_{store_id}") or "").strip()
        if note:
            notes[store_id] = note
    return checkout_service.Details(
        delivery_method=form.get("delivery_method", ""),
        delivery_address=(form.get("delivery_address") or "").strip(),
        requested_date=requested,
        time_window=form.get("time_window", ""),
        payment_method=form.get("payment_method", ""),
        contact_phone=(form.get("contact_phone") or "").strip()[:30],
        notes=notes,
        payment_data=_payment_data(form),
    )


def _payment_data(form):
    """The chosen method's own checkout fields (e.g. a department's budget line)."""
    method = payments.get(form.get("payment_method", ""))
    return method.read_form(form) if method is not None else {}


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
        values = {
            "delivery_method": request.form.get("delivery_method", ""),
            "delivery_address": request.form.get("delivery_address", ""),
            "requested_date": request.form.get("requested_date", ""),
            "time_window": request.form.get("time_window", ""),
            "payment_method": request.form.get("payment_method", ""),
            "contact_phone": request.form.get("contact_phone", ""),
            "notes": {str(g.store.id): request.form.get(f"note_{g.store.id}", "") for g in view.groups},
            "payment_data": _payment_data(request.form),
        }
        try:
            details = _details_from_form(request.form, view)
            checkout_service.check_details(current_user, details, view)
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            session[SESSION_KEY] = details.to_session()
            return redirect(url_for("cart.review"), code=303)
    earliest = checkout_service.earliest_date(view.max_lead_time_days)
    return render_template("cart/checkout.html", view=view, methods=methods, values=values,
                           earliest=earliest, time_windows=TIME_WINDOWS), status


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
    key = request.form.get("idempotency_key", "")
    raw_total = (request.form.get("expected_total") or "").strip()
    expected_total = int(raw_total) if raw_total.isdigit() else None
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
