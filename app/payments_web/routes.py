"""Payment page, test-card form (stand-in only) and the return page."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import roles_required
from app.payments_web import bp
from app.payments_web.forms import TestCardForm
from app.services import DomainError
from app.services import stripe_gateway as gateway
from app.services.payments import card
from app.web import flash_error

# The Payment Element needs Stripe's script, its frames and its API; only on that page.
STRIPE_CSP = (
    "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self'; "
    "img-src 'self' data: https://*.stripe.com; font-src 'self'; "
    "connect-src 'self' https://api.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _page(checkout_id, status=200):
    try:
        payment, intent = card.prepare_intent(current_user, checkout_id)
    except DomainError:
        abort(404)
    except gateway.StripeError:
        current_app.logger.exception("payment page: Stripe unreachable")
        flash(_("Card payments cannot be reached right now. Your orders are kept; try again in a few minutes."),
              "danger")
        return render_template("payments_web/pay.html", payment=None, orders=[], due=0, intent=None,
                               mode="unavailable", checkout_id=checkout_id), 503
    due = card.amount_due(payment)
    if payment.status == "succeeded" or due <= 0 or intent is None:
        return redirect(url_for("payments_web.result", checkout_id=checkout_id), code=303)
    mode = "element" if gateway.uses_payment_element() else ("test_card" if gateway.uses_stand_in() else "unavailable")
    response = current_app.make_response((render_template(
        "payments_web/pay.html", payment=payment, orders=payment.orders, due=due, intent=intent, mode=mode,
        checkout_id=checkout_id, publishable_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY"),
        return_url=url_for("payments_web.result", checkout_id=checkout_id, _external=True),
    ), status))
    if mode == "element":
        response.headers["Content-Security-Policy"] = STRIPE_CSP
    return response


@bp.route("/checkout/<int:checkout_id>")
@roles_required("buyer")
def pay(checkout_id):
    return _page(checkout_id)


@bp.route("/checkout/<int:checkout_id>/test-card", methods=["POST"])
@roles_required("buyer")
def test_card(checkout_id):
    if not gateway.uses_stand_in():
        abort(404)
    form = TestCardForm()
    try:
        # Unreadable expiry digits are None: the service asks for the month and year.
        card.pay_with_test_card(current_user, checkout_id, form.number.data, form.exp_month.data,
                                form.exp_year.data, form.cvc.data)
    except gateway.StripeError:
        current_app.logger.exception("test card: Stripe unreachable")
        flash(_("Card payments cannot be reached right now. Your orders are kept; try again in a few minutes."),
              "danger")
        return _page(checkout_id, 503)
    except DomainError as error:
        if error.status == 404:
            abort(404)
        flash_error(error)
        return _page(checkout_id, error.status)
    return redirect(url_for("payments_web.result", checkout_id=checkout_id), code=303)


@bp.route("/checkout/<int:checkout_id>/result")
@roles_required("buyer")
def result(checkout_id):
    """Where the buyer lands after paying. Re-reads the intent; marks nothing paid."""
    try:
        payment, stripe_status, orders = card.read_true_state(current_user, checkout_id)
    except DomainError:
        abort(404)
    all_paid = all(o.payment_state != "due" for o in orders) and any(o.paid_at for o in orders)
    if all_paid:
        outcome = "paid"
    elif stripe_status in ("succeeded", "processing"):
        outcome = "confirming"
    elif stripe_status == "canceled" or all(o.is_final for o in orders):
        outcome = "closed"
    elif stripe_status == "requires_action":
        outcome = "action"
    else:
        outcome = "unpaid"
    return render_template("payments_web/result.html", payment=payment, orders=orders, outcome=outcome,
                           stripe_status=stripe_status, checkout_id=checkout_id)
