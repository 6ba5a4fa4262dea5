"""Department purchases: purchaser's list, approver's queue, documents, the treasury
payment, department and holiday admin, and the public document verification page."""
from datetime import timedelta

import click
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app import authz
from app.admin import admin_link
from app.jobs import periodic
from app.nav import nav_counter, nav_item

bp = Blueprint("procurement", __name__, cli_group="procurement")


def _is_purchaser(user):
    return authz.is_purchaser(user)


def _is_approver(user):
    return authz.is_approver(user)


def _is_treasurer(user):
    return authz.is_treasurer(user)


def _approvals_count(user):
    from app.services import procurement

    return procurement.pending_count(user)


nav_item("procurement.purchases", _l("Department purchases"), icon="building", roles=("buyer",), order=34,
         when=_is_purchaser, group="department")
nav_item("procurement.approvals", _l("Approvals"), icon="clipboard-check", roles=("buyer",), order=35,
         badge="department_approvals", when=_is_approver, group="department")
nav_item("procurement.treasury", _l("Treasury"), icon="safe", roles=("buyer",), order=36,
         when=_is_treasurer, group="department")
nav_counter("department_approvals", _approvals_count)


# Quotes have no entry of their own in the bar (it must fit one line for every set of
# roles): the purchaser reaches them from Department purchases and the cart, the store from
# Incoming orders, with the count of requests waiting.
admin_link("procurement.departments", _l("Departments"), "building", 40)
admin_link("procurement.spend", _l("Department spending"), "cash-coin", 42)
admin_link("procurement.holidays", _l("Public holidays"), "calendar-event", 44)
admin_link("procurement.tax_rule_list", _l("Tax rules"), "percent", 46)


@bp.app_context_processor
def procurement_labels():
    from app.services import procurement

    from app.services.tax import percent

    return {"department_document_titles": procurement.DOCUMENT_TITLES, "tax_percent": percent,
            "may_ask_quote": _may_ask_quote, "quote_requests_waiting": _quote_requests_waiting}


def _quote_requests_waiting(user):
    """Quote requests waiting for the store's offer (the count on the Incoming orders page)."""
    from app.services import quotes

    return quotes.open_count_for_store(user) if user.has_role("seller") else 0


def _may_ask_quote():
    """The cart offers "Ask for a quote" to a department's purchasers (app.services.quotes)."""
    from flask_login import current_user

    return current_user.is_authenticated and authz.is_purchaser(current_user)


# Run by the job scheduler too (``flask jobs scheduler``), so nobody has to remember.
periodic("department-auto-cancel", timedelta(minutes=15), "app.services.procurement:cancel_stale_department_orders")
# Quotes not answered by their day, and offers past their validity, expire.
periodic("quotes-expire", timedelta(hours=1), "app.services.quotes:expire_quotes")


@bp.cli.command("auto-cancel")
def auto_cancel_command():
    """Cancel department orders not approved within 3 working days."""
    from flask import current_app

    from app.jobs.runner import job_context
    from app.services import procurement

    # A stand-in request, so the e-mail templates render as they do in a view.
    with job_context(current_app._get_current_object()):  # type: ignore[attr-defined]  # the app behind the proxy
        count = procurement.cancel_stale_department_orders()
    click.echo(f"{count} department order(s) cancelled.")


@bp.cli.command("seed-tax-rules")
def seed_tax_rules_command():
    """Add the default tax rules that are missing (README, tax table)."""
    from app.extensions import db
    from app.services import tax_rules

    count = tax_rules.seed_default_rules()
    db.session.commit()
    click.echo(f"{count} tax rule(s) added.")


@bp.cli.command("seed-holidays")
def seed_holidays_command():
    """Add the national holidays of 2026-2027 that are missing."""
    from app.extensions import db
    from app.services import procurement

    count = procurement.seed_national_holidays()
    db.session.commit()
    click.echo(f"{count} holiday(s) added.")


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.procurement.demo import seed_department_demo

    register_seeder(state.app, seed_department_demo)


from app.procurement import routes  # noqa: E402,F401
