from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.forms import ConfirmForm
from app.authz import admin_required
from app.extensions import db
from app.models import Category, Store, User, UserRole
from app.programme import bp
from app.programme.forms import AssignMentorForm, CategoryForm, SuspendForm
from app.services import DomainError
from app.services import categories as category_service
from app.services import documents as document_service
from app.services import stores as store_service
from app.storage import StorageError, get_storage
from app.web import flash_error, render_form_page


@bp.route("/categories")
@admin_required
def categories():
    return render_template("programme/categories.html", categories=category_service.choices(str(get_locale())),
                           by_id={c.id: c for c in category_service.all_categories()}, confirm=ConfirmForm())


def _category_form(category=None):
    form = CategoryForm(obj=category)
    form.parent_id.choices = [(0, _("— none —"))] + [
        (cid, label) for cid, label in category_service.choices(str(get_locale()))
        if category is None or cid != category.id]
    if request.method == "GET" and category is not None:
        form.parent_id.data = category.parent_id or 0
        form.required_documents.data = category_service.format_requirements(category.required_documents)
        form.option_groups.data = ", ".join(category.option_groups or [])
    return form


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category(category_id=None):
    category = db.get_or_404(Category, category_id) if category_id else None
    form = _category_form(category)
    if form.validate_on_submit():
        data = {k: getattr(form, k).data for k in ("name_id", "name_en", "slug", "parent_id", "required_documents",
                                                    "option_groups", "description", "position")}
        try:
            saved = category_service.save_category(current_user, category, data)
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return render_form_page("programme/category_form.html", form=form, category=category,
                                    status=error.status)
        flash(_("Category %(name)s saved.", name=saved.name_id), "success")
        return redirect(url_for("programme.categories"))
    return render_form_page("programme/category_form.html", form=form, category=category)


@bp.route("/categories/<int:category_id>/delete", methods=["POST"])
@admin_required
def delete_category(category_id):
    category = db.get_or_404(Category, category_id)
    if ConfirmForm().validate_on_submit():
        try:
            category_service.delete_category(current_user, category)
            flash(_("Category deleted."), "success")
        except DomainError as error:
            flash_error(error)
    return redirect(url_for("programme.categories"))


def _mentor_choices():
    mentors = db.session.execute(db.select(User).join(User.role_rows).where(UserRole.role == "mentor",
                                                                            User.active.is_(True))
                                 .order_by(User.full_name)).scalars().all()
    return [(0, _("— none —"))] + [(m.id, m.full_name) for m in mentors]


@bp.route("/stores")
@admin_required
def stores():
    rows = db.session.execute(db.select(Store).options(selectinload(Store.members), selectinload(Store.mentor))
                              .order_by(Store.name)).scalars().all()
    return render_template("programme/stores.html", stores=rows, mentor_choices=_mentor_choices(),
                           confirm=ConfirmForm(), suspend_form=SuspendForm())


@bp.route("/stores/<int:store_id>/mentor", methods=["POST"])
@admin_required
def assign_mentor(store_id):
    store = db.get_or_404(Store, store_id)
    form = AssignMentorForm()
    if not form.validate_on_submit():
        abort(400)
    mentor = db.session.get(User, form.mentor_id.data) if form.mentor_id.data else None
    try:
        store_service.assign_mentor(current_user, store, mentor)
        flash(_("Mentor of %(name)s saved.", name=store.name), "success")
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
    return redirect(url_for("programme.stores"))


@bp.route("/stores/<int:store_id>/suspend", methods=["POST"])
@admin_required
def suspend_store(store_id):
    store = db.get_or_404(Store, store_id)
    form = SuspendForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Give the reason for the suspension."), 400)
        store_service.suspend_store(current_user, store, form.note.data or "")
        flash(_("Store %(name)s suspended.", name=store.name), "success")
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
    return redirect(url_for("programme.stores"))


@bp.route("/stores/<int:store_id>/reinstate", methods=["POST"])
@admin_required
def reinstate_store(store_id):
    store = db.get_or_404(Store, store_id)
    if ConfirmForm().validate_on_submit():
        try:
            store_service.reinstate_store(current_user, store)
            flash(_("Store %(name)s reinstated; its mentor verifies it again.", name=store.name), "success")
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
    return redirect(url_for("programme.stores"))


@bp.route("/documents/<int:document_id>/file")
@login_required
def document_file(document_id):
    """Members of the store, its mentor and admins; anyone else 404."""
    try:
        doc = document_service.get_document(current_user, document_id)
        key = doc.file_key
        data = get_storage().read(key) if key else None
    except (DomainError, StorageError):
        abort(404)
    if not key or data is None:
        abort(404)
    ext = key.rsplit(".", 1)[-1]
    response = Response(data, mimetype=doc.file_type or "application/octet-stream")
    response.headers["Content-Disposition"] = f'inline; filename="{doc.kind}-{doc.id}.{ext}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
