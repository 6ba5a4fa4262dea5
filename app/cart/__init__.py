from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_counter, nav_item

bp = Blueprint("cart", __name__)
nav_item("cart.view", _l("Cart"), icon="cart3", roles=("buyer",), order=30, badge="cart_count", tool=True)


def _cart_count(user):
    from app.services.cart import item_count
    from app.services.sessions import header_count

    if not user.has_role("buyer"):
        return 0
    known = header_count(user, "cart_count")
    return item_count(user) if known is None else known


nav_counter("cart_count", _cart_count)

from app.cart import routes  # noqa: E402,F401
