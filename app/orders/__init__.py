from datetime import timedelta

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import periodic
from app.nav import nav_item

bp = Blueprint("orders", __name__)
nav_item("orders.index", _l("My orders"), icon="bag-check", roles=("buyer",), order=32, group="shop")

# Run by the job scheduler too (``flask jobs scheduler``); ``flask orders auto-complete`` by hand.
periodic("orders-auto-complete", timedelta(minutes=30), "app.services.orders:complete_delivered_orders")
# The store must answer a placed order in time: reminded before, the order expires after.
periodic("orders-answer-deadline", timedelta(minutes=15), "app.services.order_answer:enforce_answer_deadlines")


@bp.app_context_processor
def order_labels():
    from app.services import orders, payments

    return {
        "payment_label": payments.label_for,
        "order_happy_path": orders.HAPPY_PATH,
    }


@bp.app_template_global()
def product_reviews(product):
    """Average, count and newest reviews of ``product`` (for the product page)."""
    from app.services.reviews import for_product

    return for_product(product.id)


@bp.app_template_global()
def store_rating(store_id):
    """The store's rating by departments (average of 1–4, count, flagged below the threshold)."""
    from app.services.store_ratings import summary_of

    return summary_of(store_id)


@bp.app_template_filter()
def time_window(code):
    from app.models import TIME_WINDOWS

    start, end = TIME_WINDOWS.get(code, (None, None))
    return f"{start:02d}.00–{end:02d}.00 WIB" if start is not None else code


from app.orders import routes  # noqa: E402,F401


@bp.cli.command("auto-complete")
def auto_complete_command():
    """Complete orders delivered more than 3 days ago (run daily)."""
    import click

    from app.services.orders import complete_delivered_orders

    done = complete_delivered_orders()
    click.echo(f"Completed {done} delivered order(s).")


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.orders.demo import seed_orders

    register_seeder(state.app, seed_orders)
