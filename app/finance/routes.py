"""Seller: balance, statement, payouts. Admin: card payments, refunds, payout batches."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.authz import admin_required, roles_required
from app.extensions import db
from app.finance import bp
from app.finance.forms import PayoutBatchForm, RecordTransferForm, RefundForm
from app.converters import parse_id
from app.models import CardPayment, CheckoutAttempt, Order, Refund, Store
from app.services import DomainError
from app.services import ledger
from app.services import payouts as payout_service
from app.services.procurement import taxes as procurement_taxes
from app.services import refunds as refund_service
from app.authz import store_ids_of
from app.web import flash_error, or_404, require_valid


# ------------------------------------------------------------------ seller


@bp.route("/balance")
@roles_required("seller")
def balance():
    store_ids = store_ids_of(current_user)
    if not store_ids:
        abort(404)
    stores = db.session.execute(db.select(Store).where(Store.id.in_(store_ids)).order_by(Store.name)).scalars().all()
    wanted = request.args.get("store", type=parse_id)
    store = next((s for s in stores if s.id == wanted), None) if wanted else stores[0]
    if store is None:  # another store's balance, or a made-up id
        abort(404)
    return render_template("finance/balance.html", store=store, stores=stores,
                           balance=ledger.balance(store.id), unpaid=payout_service.unpaid_amount(store.id),
                           rows=ledger.statement(store.id), payouts=payout_service.store_payouts(store.id),
                           department_rows=procurement_taxes.store_settlements(store.id))


# ------------------------------------------------------------------ admin: payments and refunds


@bp.route("/")
@admin_required
def index():
    report = ledger.check_books()
    payments = db.session.execute(
        db.select(CardPayment).options(db.joinedload(CardPayment.buyer),
                                       db.joinedload(CardPayment.checkout_attempt).selectinload(CheckoutAttempt.orders))
        .order_by(CardPayment.created_at.desc(), CardPayment.id.desc()).limit(100)
    ).unique().scalars().all()
    return render_template("finance/index.html", report=report, payments=payments)


def _order_or_404(order_id):
    order = db.session.get(Order, order_id)
    if order is None or order.payment_method != "card":
        abort(404)
    return order


@bp.route("/orders/<int:order_id>/refund", methods=["GET", "POST"])
@admin_required
def refund(order_id):
    order = _order_or_404(order_id)
    status = 200
    form = RefundForm()
    if request.method == "POST":
        try:
            require_valid(form)
            refund_service.refund_order(current_user, order.id, form.amount.data, form.reason.data)
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            flash(_("The refund was sent to Stripe. The order and the ledger change when Stripe confirms it."),
                  "success")
            return redirect(url_for("finance.refund", order_id=order.id), code=303)
        order = _order_or_404(order_id)
    refunds = db.session.execute(
        db.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
    ).scalars().all()
    return render_template("finance/refund.html", order=order, refunds=refunds,
                           refundable=refund_service.refundable_amount(order),
                           refunded=refund_service.refunded_amount(order.id)), status


# ------------------------------------------------------------------ admin: payouts


@bp.route("/payouts", methods=["GET", "POST"])
@admin_required
def payouts():
    status = 200
    form = PayoutBatchForm()
    if request.method == "POST":
        try:
            # An unreadable date is None here: the service names what is missing.
            batch, skipped = payout_service.create_batch(current_user, form.period_start.data, form.period_end.data)
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            flash(ngettext("Payout batch made: %(num)d payout.", "Payout batch made: %(num)d payouts.",
                           len(batch.payouts)), "success")
            if skipped:
                flash(_("Not included, bank details missing: %(stores)s", stores=", ".join(skipped)), "warning")
            return redirect(url_for("finance.batch", batch_id=batch.id), code=303)
    return render_template("finance/payouts.html", batches=payout_service.batches(current_user),
                           form=form.typed()), status


@bp.route("/payouts/<int:batch_id>")
@admin_required
def batch(batch_id):
    item = or_404(payout_service.get_batch, current_user, batch_id)
    return render_template("finance/batch.html", batch=item, department_rows=payout_service.department_orders(item))


@bp.route("/payouts/<int:batch_id>/department-orders.csv")
@admin_required
def batch_department_csv(batch_id):
    return Response(or_404(payout_service.department_orders_csv, current_user, batch_id), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=payouts-{batch_id}-department-orders.csv"})


@bp.route("/payouts/<int:batch_id>/transfers.csv")
@admin_required
def batch_csv(batch_id):
    return Response(or_404(payout_service.transfer_csv, current_user, batch_id), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=payouts-{batch_id}.csv"})


@bp.route("/payouts/record/<int:payout_id>", methods=["POST"])
@admin_required
def record(payout_id):
    form = RecordTransferForm()
    try:
        payout = payout_service.record_transfer(current_user, payout_id, form.transfer_reference.data)
    except DomainError as error:
        if error.status == 404:
            abort(404)
        flash_error(error)
        batch_id = form.batch_id.data
        if not batch_id:
            abort(error.status)
        try:  # the batch page the form was sent from, shown again with the message
            batch = payout_service.get_batch(current_user, batch_id)
        except DomainError:
            abort(error.status)
        return render_template("finance/batch.html", batch=batch,
                               department_rows=payout_service.department_orders(batch)), error.status
    flash(_("Payout %(reference)s recorded as paid.", reference=payout.reference), "success")
    return redirect(url_for("finance.batch", batch_id=payout.batch_id), code=303)
