"""Money owed to stores: the seller's balance; admin payouts, refunds and card payments."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.admin import admin_link
from app.nav import nav_item

bp = Blueprint("finance", __name__)
nav_item("finance.balance", _l("Balance"), icon="wallet2", roles=("seller",), order=46, group="store")
admin_link("finance.index", _l("Card payments and payouts"), "cash-coin", 60)

from app.finance import routes  # noqa: E402,F401
