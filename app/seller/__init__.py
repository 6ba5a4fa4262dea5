"""The seller's desk: the store, its members and documents, and its products."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_item

bp = Blueprint("seller", __name__)
nav_item("seller.desk", _l("My store"), icon="shop", roles=("seller",), order=40)

from app.seller import routes  # noqa: E402,F401
