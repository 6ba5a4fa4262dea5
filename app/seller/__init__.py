"""The seller's desk: the store, its members and documents, and its products."""
from datetime import timedelta

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import periodic
from app.nav import nav_item

bp = Blueprint("seller", __name__)
nav_item("seller.desk", _l("My store"), icon="shop", roles=("seller",), order=40, group="store")

# Daily, by the job scheduler (``flask jobs scheduler`` or ``flask jobs run-due`` from cron).
periodic("documents-hide-expired-products", timedelta(days=1), "app.services.document_expiry:hide_expired_products")
periodic("documents-expiry-reminders", timedelta(days=1), "app.services.document_expiry:remind_expiring_documents")

from app.seller import bulk, routes  # noqa: E402,F401


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.seller.demo import seed_variants

    # After the orders' and department purchases' demo data, which order products as they
    # were (without options).
    register_seeder(state.app, seed_variants, last=True)
