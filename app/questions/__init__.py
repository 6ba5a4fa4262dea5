"""Product questions (Diskusi produk): the public list, asking, the store's answers and
its desk of questions, and the incubator's hide action."""
from flask import Blueprint

from app.catalog import versions

# No entry in the seller's menu (it is full): the desk links to the questions, and says
# when some wait for an answer.
bp = Blueprint("questions", __name__)

# The newest questions show on their product's page (a fragment, and the visitors' page
# cache): asking, answering or hiding one bumps that product's version.
versions.watch_table("product_questions", "product_id", kind="product", catalogue=False)


@bp.record_once
def _register_demo(state):
    from app.demo import register_seeder
    from app.questions.demo import seed_questions

    register_seeder(state.app, seed_questions)


from app.questions import routes  # noqa: E402,F401
