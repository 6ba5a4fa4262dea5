"""The card payment pages (payment, test-card form, return) and ``flask payments`` commands."""
from datetime import timedelta

from flask import Blueprint

bp = Blueprint("payments_web", __name__, cli_group="payments")

from app.payments_web import cli, routes  # noqa: E402,F401
from app.jobs import periodic  # noqa: E402

periodic("payments-expire-unpaid", timedelta(minutes=1), "app.payments_web.cli:expire_job")
periodic("payments-reconcile", timedelta(minutes=15), "app.payments_web.cli:reconcile_job")
