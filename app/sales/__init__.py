from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_counter, nav_item

bp = Blueprint("sales", __name__)
nav_item("sales.index", _l("Incoming orders"), icon="inbox", roles=("seller",), order=40, badge="sales_new",
         group="store")


def _new_orders(user):
    from app.services.orders import new_orders_count

    return new_orders_count(user) if user.has_role("seller") else 0


nav_counter("sales_new", _new_orders)

from app.sales import routes  # noqa: E402,F401
