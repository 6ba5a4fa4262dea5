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


@bp.app_context_processor
def answer_deadline_helpers():
    """The store's answer deadline on its order pages (app.services.order_answer)."""
    from app import clock
    from app.services import order_answer

    return {"answer_left_text": order_answer.left_text, "answer_reminder_lead": order_answer.reminder_lead,
            "now": clock.now}
