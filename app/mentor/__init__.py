"""The mentor's desk: the review queue, product reviews, store verification and documents."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_counter, nav_item

bp = Blueprint("mentor", __name__)
nav_item("mentor.queue", _l("Review desk"), icon="clipboard-check", roles=("mentor", "admin"), order=45,
         badge="review_count", group="mentor")


def _review_count(user):
    from app.services.listings import review_queue

    if not user.has_role("mentor", "admin"):
        return 0
    return len(review_queue(user))


nav_counter("review_count", _review_count)

from app.mentor import routes  # noqa: E402,F401
