"""Shopping lists (Daftar belanja), shared in a department, and "order again"."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_item

bp = Blueprint("lists", __name__)
nav_item("lists.index", _l("Shopping lists"), icon="list-check", roles=("buyer",), order=33, group="shop")


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.lists.demo import seed_list_variants, seed_lists

    register_seeder(state.app, seed_lists)
    # After app.seller's variants demo (registered earlier, also last): the lines in a variant.
    register_seeder(state.app, seed_list_variants, last=True)


from app.lists import routes  # noqa: E402,F401
