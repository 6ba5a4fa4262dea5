"""The catalogue buyers browse: home sections, catalogue with filters and search,
product and store pages, sitemap.xml and robots.txt."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_item

bp = Blueprint("catalog", __name__)

nav_item("catalog.index", _l("Catalogue"), icon="grid", order=10)


@bp.record_once
def _register(state):
    from app.catalog import cache, versions
    from app.services import search

    search.register(state.app)
    versions.register()
    cache.register(state.app)


from app.catalog import routes  # noqa: E402,F401
