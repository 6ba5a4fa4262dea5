"""Product questions (Diskusi produk): the public list, asking, the store's answers and
its desk of questions, and the incubator's hide action."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_item

bp = Blueprint("questions", __name__)
nav_item("questions.desk", _l("Product questions"), icon="chat-left-text", roles=("seller",), order=43, group="store")


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.questions.demo import seed_questions

    register_seeder(state.app, seed_questions)


from app.questions import routes  # noqa: E402,F401
