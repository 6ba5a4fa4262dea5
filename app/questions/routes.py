"""Routes of the product questions: parse the form, call one service, flash, redirect."""
from functools import cached_property

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import clock
from app.authz import can_review, roles_required
from app.extensions import db
from app.models import Product, ProductQuestion
from app.questions import bp
from app.questions.forms import AnswerForm, AskForm, HideForm
from app.services import catalog
from app.services import questions as question_service
from app.web import act, page_arg, require_valid


def _product_or_404(slug):
    product = catalog.get_product(slug, clock.today())
    if product is None:
        abort(404)
    return product


def _product_page(product, status=200, form=None):
    pagination = question_service.public_page(product.id, page=page_arg())
    if pagination.page > 1 and not pagination.items:
        abort(404)
    return render_template("questions/product.html", product=product, pagination=pagination,
                           form=form or AskForm(), hide_form=HideForm(), answer_form=AnswerForm()), status


@bp.route("/produk/<slug>/diskusi")
def product(slug):
    """Every public question of a product, newest first, a page at a time."""
    return _product_page(_product_or_404(slug))


@bp.route("/diskusi/produk/<int:product_id>/tanya", methods=["POST"])
@login_required
def ask(product_id):
    form = AskForm()
    visible = db.session.get(Product, product_id)

    def run():
        require_valid(form)
        question_service.ask(current_user, product_id, form.body.data)

    def again(status):
        product = catalog.get_product(visible.slug, clock.today()) if visible is not None else None
        if product is None:
            abort(404)
        return _product_page(product, status, form)

    slug = visible.slug if visible is not None else ""
    return act(run, _("Your question has been sent. The store answers here, and you are notified."),
               lambda: url_for("catalog.product", slug=slug) + "#questions", again)


def _back(question_id):
    """Where a button on a question returns: the page it was pressed on (a local path)."""
    from app.web import safe_next

    return safe_next(request.args.get("next"), "questions.desk")


@bp.route("/diskusi/<int:question_id>/jawab", methods=["POST"])
@roles_required("seller")
def answer(question_id):
    form = AnswerForm()

    def run():
        require_valid(form)
        question_service.answer(current_user, question_id, form.answer.data)

    return act(run, _("Your answer is published; the asker is notified."), lambda: _back(question_id),
               lambda status: _desk(status))


@bp.route("/diskusi/<int:question_id>/sembunyikan", methods=["POST"])
@roles_required("mentor", "admin")
def hide(question_id):
    form = HideForm()

    def run():
        require_valid(form)
        question_service.hide(current_user, question_id, form.reason.data)

    def again(status):
        question = db.session.get(ProductQuestion, question_id)
        product = catalog.get_product(question.product.slug, clock.today()) if question else None
        if product is None:
            abort(404)
        return _product_page(product, status)

    return act(run, _("The question is hidden; the asker and the store are told why."),
               lambda: _back(question_id), again)


def _desk(status=200):
    state = "answered" if request.args.get("state") == "answered" else "open"
    pagination = question_service.for_stores(current_user, state=state, page=page_arg())
    return render_template("questions/desk.html", pagination=pagination, state=state, form=AnswerForm(),
                           open_count=question_service.unanswered_count(current_user)), status


@bp.route("/diskusi/toko")
@roles_required("seller")
def desk():
    """The store's questions: unanswered first (oldest first), or the answered and hidden ones."""
    return _desk()


class _ProductQuestions:
    """The product page's section: the newest public questions and their count, each read the
    first time the template asks (inside its fragments: only when they are rendered)."""

    per_page = question_service.ON_PRODUCT_PAGE

    def __init__(self, product_id):
        self._product_id = product_id

    @cached_property
    def count(self):
        return question_service.public_count(self._product_id)

    @cached_property
    def newest(self):
        return question_service.newest(self._product_id)


@bp.app_template_global()
def product_questions(product):
    return _ProductQuestions(product.id)


@bp.app_template_global()
def unanswered_questions(user):
    """The seller's desk card: how many questions wait for an answer."""
    return question_service.unanswered_count(user)


@bp.app_template_global()
def question_actions(user, product):
    """What ``user`` may do on the questions of ``product``: answer (its store), hide (its
    mentor, an admin)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    actions = set()
    if question_service.can_answer(user, product):
        actions.add("answer")
    elif can_review(user, product.store):
        actions.add("hide")
    return actions
