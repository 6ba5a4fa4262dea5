"""Programme administration of the listing features: categories, stores and their
mentors, and the permission-checked download of business documents."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.admin import admin_link

bp = Blueprint("programme", __name__)
admin_link("programme.categories", _l("Categories"), "tags", 30)
admin_link("programme.stores", _l("Stores and mentors"), "shop", 35)

from app.programme import routes  # noqa: E402,F401


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.programme.demo import seed_listings

    register_seeder(state.app, seed_listings)
