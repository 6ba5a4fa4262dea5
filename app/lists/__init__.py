"""Shopping lists (Daftar belanja), shared in a department, and "order again"."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_item

bp = Blueprint("lists", __name__)
nav_item("lists.index", _l("Shopping lists"), icon="list-check", roles=("buyer",), order=33, group="shop")

from app.lists import routes  # noqa: E402,F401
