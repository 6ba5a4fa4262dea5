"""Product questions (Diskusi produk): the public list, asking, the store's answers and
its desk of questions, and the incubator's hide action."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.nav import nav_item

bp = Blueprint("questions", __name__)
nav_item("questions.desk", _l("Product questions"), icon="chat-left-text", roles=("seller",), order=43, group="store")

from app.questions import routes  # noqa: E402,F401
