from collections.abc import Callable

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_item

bp = Blueprint("admin", __name__)
nav_item("admin.index", _l("Admin"), icon="speedometer2", roles=("admin",), order=90, group="admin")

# Tiles on the admin home page; features add theirs with admin_link(). A tile's number (how
# many wait there) comes from its ``count`` function, run when the admin home is shown.
_LINKS: list[tuple[str, object, str, int, Callable[[], int] | None]] = []


def admin_link(endpoint, label, icon, order=50, count=None):
    if endpoint not in [link[0] for link in _LINKS]:
        _LINKS.append((endpoint, label, icon, order, count))


def admin_links(counts):
    """(endpoint, label, icon, number or None) of every tile, in order; ``counts`` gives the
    numbers of the admin blueprint's own tiles."""
    return [(e, label, icon, counts[e] if e in counts else (count() if count else None))
            for e, label, icon, _order, count in sorted(_LINKS, key=lambda link: link[3])]


admin_link("admin.users", _l("Users"), "people", 10)
admin_link("admin.invitations", _l("Invitations"), "envelope-plus", 20)
admin_link("admin.outbox", _l("Outbox"), "envelope-open", 80)

from app.admin import routes  # noqa: E402,F401
