"""``POST /webhooks/stripe``: verified, stored once, applied once."""
from flask import current_app, jsonify, request

from app.extensions import csrf, limiter
from app.services import stripe_events
from app.services import stripe_gateway as gateway
from app.webhooks import bp


@bp.route("/stripe", methods=["POST"])
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    signature = request.headers.get("Stripe-Signature")
    if not secret or not signature:
        return jsonify(error="missing signature"), 400
    payload = request.get_data()
    try:
        event = gateway.construct_event(payload, signature, secret)
    except (ValueError, gateway.SignatureVerificationError):
        return jsonify(error="invalid signature or payload"), 400
    try:
        outcome = stripe_events.process_event(event)
    except gateway.StripeError:
        current_app.logger.exception("webhook %s: Stripe unreachable while applying", event.id)
        # Not stored: Stripe delivers it again later.
        return jsonify(error="try again"), 503
    return jsonify(received=True, outcome=outcome), 200
