from collections.abc import Sequence

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import authz
from app import clock
from app.forms import ConfirmForm
from app.authz import roles_required
from app.extensions import db
from app.converters import parse_id
from app.mentor import bp
from app.mentor.forms import DecisionForm, NoteForm
from app.models import BusinessDocument, Category, Product, Store, User, UserRole
from app.services import DomainError, NotAllowed
from app.services import documents as document_service
from app.services import listings
from app.services import store_ratings
from app.services import stores as store_service
from app.web import flash_error, render_form_page

reviewer_required = roles_required("mentor", "admin")


def _stores_query(user, mentor_id=None):
    query = db.select(Store).options(selectinload(Store.documents), selectinload(Store.members))
    if user.has_role("admin"):
        if mentor_id:
            query = query.where(Store.mentor_id == mentor_id)
    else:
        query = query.where(Store.mentor_id == user.id)
    return query


@bp.route("/")
@reviewer_required
def queue():
    mentor_id = request.args.get("mentor", type=parse_id) if current_user.has_role("admin") else None
    rows = listings.review_queue(current_user, mentor_id=mentor_id)
    stores = [s for s in db.session.execute(_stores_query(current_user, mentor_id).order_by(Store.created_at))
              .scalars().all() if not authz.is_member(current_user, s)]
    waiting_stores = [s for s in stores if s.status == "pending_verification"]
    pending_docs = [(s, d) for s in stores for d in s.documents if d.status == "pending"]
    mentors: Sequence[User] = []
    if current_user.has_role("admin"):
        mentors = db.session.execute(db.select(User).join(User.role_rows).where(UserRole.role == "mentor")
                                     .order_by(User.full_name)).scalars().all()
    return render_template("mentor/queue.html", rows=rows, now=clock.now(), waiting_stores=waiting_stores,
                           pending_docs=pending_docs, stores=stores, mentors=mentors, mentor_id=mentor_id,
                           ratings=store_ratings.summaries_of(s.id for s in stores))


def _reviewable_product(product_id):
    try:
        return listings.get_product_for_reviewer(current_user, product_id)
    except NotAllowed:
        abort(403)
    except DomainError:
        abort(404)


def _review_page(product, form, status=None):
    what, revision = listings.under_review(product)
    content = revision.content if revision else listings.content_of(product)
    category = db.session.get(Category, content.get("category_id"))
    categories = {c.id: c for c in db.session.execute(db.select(Category)).scalars()}
    return render_form_page(
        "mentor/review.html", status=status, product=product, form=form, what=what, revision=revision,
        content=content, category=category, categories=categories, changes=listings.changes_since(product),
        blockers=listings.approval_blockers(product, category), plan=listings.document_plan(product.store, category),
        today=clock.today(), document_state=document_service.document_state, note_form=NoteForm(),
        now=clock.now())


@bp.route("/review/<int:product_id>", methods=["GET", "POST"])
@reviewer_required
def review(product_id):
    product = _reviewable_product(product_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            listings.decide_listing(current_user, product, form.decision.data, form.reason_codes.data,
                                    form.note.data)
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return _review_page(product, form, status=error.status)
        messages = {"approve": _("Approved: %(name)s.", name=product.name),
                    "request_changes": _("Changes requested: %(name)s.", name=product.name),
                    "reject": _("Rejected: %(name)s.", name=product.name)}
        flash(messages[form.decision.data], "success")
        return redirect(url_for("mentor.queue"))
    return _review_page(product, form)


def _reviewable_store(store_id):
    store = db.session.get(Store, store_id)
    if store is None:
        abort(404)
    try:
        authz.require_reviewer(current_user, store)
    except NotAllowed:
        abort(403)
    except DomainError:
        abort(404)
    return store


def _store_page(store, status=None):
    products = db.session.execute(db.select(Product).where(Product.store_id == store.id)
                                  .order_by(Product.status, Product.name)).scalars().all()
    return render_form_page("mentor/store.html", status=status, store=store, products=products,
                            note_form=NoteForm(), confirm=ConfirmForm(), today=clock.today(),
                            document_state=document_service.document_state)


@bp.route("/stores/<int:store_id>")
@reviewer_required
def store(store_id):
    return _store_page(_reviewable_store(store_id))


@bp.route("/stores/<int:store_id>/<action>", methods=["POST"])
@reviewer_required
def store_action(store_id, action):
    store = _reviewable_store(store_id)
    form = NoteForm()
    if not form.validate_on_submit() or action not in ("verify", "request-changes"):
        abort(400)
    try:
        if action == "verify":
            store_service.verify_store(current_user, store, form.note.data or "")
            flash(_("Store %(name)s verified.", name=store.name), "success")
        else:
            store_service.request_store_changes(current_user, store, form.note.data or "")
            flash(_("Changes requested from %(name)s.", name=store.name), "success")
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _store_page(store, status=error.status)
    return redirect(form.back_to(url_for("mentor.store", store_id=store.id)))


@bp.route("/documents/<int:document_id>/<action>", methods=["POST"])
@reviewer_required
def document_action(document_id, action):
    doc = db.session.get(BusinessDocument, document_id)
    if doc is None:
        abort(404)
    store = _reviewable_store(doc.store_id)
    form = NoteForm()
    if not form.validate_on_submit() or action not in ("validate", "reject"):
        abort(400)
    try:
        if action == "validate":
            document_service.validate_document(current_user, doc, form.note.data or "")
            flash(_("Document marked valid."), "success")
        else:
            document_service.reject_document(current_user, doc, form.note.data or "")
            flash(_("Document rejected."), "success")
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _store_page(store, status=error.status)
    return redirect(form.back_to(url_for("mentor.store", store_id=store.id)))
