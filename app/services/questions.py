"""Product questions (Diskusi produk).

Rules kept here:
- a signed-in, active person asks about a product buyers can see (a hidden, paused or
  unapproved product is refused, 404); a member of the product's own store does not ask;
- a member of the product's store answers, once (another store's member: 404); the asker
  is notified in the app and by e-mail;
- a mentor of the store or an admin hides a question with a reason (audited); a hidden
  question leaves the public list, the asker and the store are told why;
- the state changes by the transition table ``TRANSITIONS`` with a guarded UPDATE (WHERE
  state = old), so two people acting at once cannot both succeed;
- questions and answers are public, newest first, paginated (``PER_PAGE``).
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.authz import can_review, is_member, is_member_of, store_ids_of
from app.extensions import db
from app.models import Product, ProductQuestion, QuestionState, Store
from app.orm import rows_matched, utcnow
from app.services import Conflict, Invalid, NotFound, audit
from app.services import notifications as notify
from app.services.mail import queue_email
from app.urls import absolute, path_for

PER_PAGE = 10
ON_PRODUCT_PAGE = 5
MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 2000
MAX_REASON_CHARS = 500

# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "answer": ((QuestionState.OPEN,), QuestionState.ANSWERED),
    "hide": ((QuestionState.OPEN, QuestionState.ANSWERED), QuestionState.HIDDEN),
}

def _text(value, limit, empty_message, long_message):
    text = (value or "").strip()
    if not text:
        raise Invalid(empty_message)
    if len(text) > limit:
        raise Invalid(long_message)
    return text


def _visible_product(product_id) -> Product | None:
    from app.services.catalog import buyer_visible, store_join

    return db.session.execute(
        db.select(Product).join(Store, store_join())
        .where(Product.id == product_id, buyer_visible(clock.today()))
    ).scalar_one_or_none()


def ask(user, product_id, body) -> ProductQuestion:
    """A signed-in person asks about a product buyers can see."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        raise NotFound(_("This product is not available."))
    product = _visible_product(product_id)
    if product is None:
        raise NotFound(_("This product is not available."))
    if is_member_of(user, product.store_id):
        raise Conflict(_("Your store answers questions about its own products; it does not ask them."))
    text = _text(body, MAX_QUESTION_CHARS, _("Write your question."),
                 _("Keep the question under %(n)d characters.", n=MAX_QUESTION_CHARS))
    question = ProductQuestion(product_id=product.id, store_id=product.store_id, asker_id=user.id, body=text,
                               state=QuestionState.OPEN.value, answer="", hidden_reason="")
    db.session.add(question)
    db.session.flush()
    audit.record(user, "question.ask", question, after={"product_id": product.id})
    members, _owners = notify.store_people(product.store_id)
    for member in members:
        notify.add(member, "question_asked", link=path_for("questions.desk"), product=product.name)
    db.session.commit()
    return question


def _move(question, action, **values) -> None:
    """The guarded UPDATE of one transition: refused (409) if someone changed it first."""
    sources, target = TRANSITIONS[action]
    if question.state not in sources:
        raise Conflict(_("This question has already been answered.") if action == "answer"
                       else _("This question is already hidden."))
    result = db.session.execute(
        db.update(ProductQuestion)
        .where(ProductQuestion.id == question.id, ProductQuestion.state.in_([str(s) for s in sources]),
               ProductQuestion.state == question.state)
        .values(state=target.value, **values)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        db.session.rollback()
        raise Conflict(_("Someone else changed this question just now. Reload the page."))
    db.session.refresh(question)


def _question(question_id) -> ProductQuestion | None:
    return db.session.execute(
        db.select(ProductQuestion).where(ProductQuestion.id == question_id)
        .options(db.joinedload(ProductQuestion.product).joinedload(Product.store), db.joinedload(ProductQuestion.asker))
    ).scalar_one_or_none()


def answer(seller, question_id, text) -> ProductQuestion:
    """A member of the product's store answers a question, once; the asker is told."""
    question = _question(question_id)
    if question is None or not is_member(seller, question.product.store):
        raise NotFound(_("This question does not exist."))
    reply = _text(text, MAX_ANSWER_CHARS, _("Write an answer."),
                  _("Keep the answer under %(n)d characters.", n=MAX_ANSWER_CHARS))
    if question.state == QuestionState.HIDDEN:
        raise Conflict(_("This question was hidden by the incubator; it cannot be answered."))
    _move(question, "answer", answer=reply, answered_by_id=seller.id, answered_at=utcnow())
    audit.record(seller, "question.answer", question, before={"state": "open"},
                 after={"state": "answered", "answer": reply[:200]})
    product = question.product
    link = path_for("catalog.product", slug=product.slug) + f"#question-{question.id}"
    asker = question.asker
    notify.add(asker, "question_answered", link=link, store=product.store.name, product=product.name)
    queue_email(asker.email, _l("Your question about %(product)s was answered", product=product.name),
                "question_answered", locale=asker.locale, question=question, product=product,
                recipient=asker, link=absolute(link))
    db.session.commit()
    return question


def can_hide(user, question) -> bool:
    """A mentor of the question's store or an admin (never a member of the store)."""
    return can_review(user, question.product.store)


def can_answer(user, product) -> bool:
    """A member of the product's store."""
    return (bool(getattr(user, "is_authenticated", False)) and user.has_role("seller")
            and is_member(user, product.store))


def hide(actor, question_id, reason) -> ProductQuestion:
    """A mentor of the store or an admin hides a question, with a reason (audited)."""
    question = _question(question_id)
    if question is None or not can_hide(actor, question):
        raise NotFound(_("This question does not exist."))
    why = _text(reason, MAX_REASON_CHARS, _("Say why the question is hidden."),
                _("Keep the reason under %(n)d characters.", n=MAX_REASON_CHARS))
    before = question.state
    _move(question, "hide", hidden_reason=why, hidden_by_id=actor.id, hidden_at=utcnow())
    audit.record(actor, "question.hide", question, before={"state": before},
                 after={"state": "hidden", "reason": why})
    product = question.product
    members, _owners = notify.store_people(product.store_id)
    for person in [question.asker, *[m for m in members if m.id != question.asker_id]]:
        notify.add(person, "question_hidden", link=path_for("catalog.product", slug=product.slug),
                   product=product.name, reason=why)
    db.session.commit()
    return question


def _public(product_id):
    return (db.select(ProductQuestion)
            .where(ProductQuestion.product_id == product_id, ProductQuestion.state != QuestionState.HIDDEN.value)
            .order_by(ProductQuestion.created_at.desc(), ProductQuestion.id.desc()))


def public_count(product_id) -> int:
    return db.session.execute(
        db.select(db.func.count(ProductQuestion.id))
        .where(ProductQuestion.product_id == product_id, ProductQuestion.state != QuestionState.HIDDEN.value)
    ).scalar_one()


def newest(product_id, limit=ON_PRODUCT_PAGE):
    """The newest public questions of a product (the product page), askers loaded."""
    return db.session.execute(
        _public(product_id).options(db.joinedload(ProductQuestion.asker)).limit(limit)).scalars().all()


def public_page(product_id, page=1, per_page=PER_PAGE):
    return db.paginate(_public(product_id).options(db.joinedload(ProductQuestion.asker)),
                       page=page, per_page=per_page, error_out=False)


def unanswered_count(seller) -> int:
    """Open questions about the products of the seller's stores (the desk card)."""
    ids = store_ids_of(seller)
    if not ids:
        return 0
    return db.session.execute(
        db.select(db.func.count(ProductQuestion.id))
        .where(ProductQuestion.store_id.in_(ids), ProductQuestion.state == QuestionState.OPEN.value)
    ).scalar_one()


def for_stores(seller, state="open", page=1, per_page=20):
    """The seller's stores' questions: open ones oldest first (answer in turn), else newest."""
    ids = store_ids_of(seller)
    query = (db.select(ProductQuestion).where(ProductQuestion.store_id.in_(ids or [0]))
             .options(db.joinedload(ProductQuestion.asker), db.joinedload(ProductQuestion.product)))
    if state == "open":
        query = query.where(ProductQuestion.state == QuestionState.OPEN.value).order_by(
            ProductQuestion.created_at, ProductQuestion.id)
    else:
        query = query.where(ProductQuestion.state != QuestionState.OPEN.value).order_by(
            ProductQuestion.created_at.desc(), ProductQuestion.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
