"""The seller's bulk upload: a template per category, the check of every row, and the
import of the products as drafts (services.bulk_upload keeps the rules)."""
import logging
import secrets

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.authz import roles_required
from app.extensions import db
from app.models import Category
from app.seller import bp
from app.seller.forms import BulkCleanRowsForm, BulkUploadForm
from app.services import DomainError
from app.services import bulk_upload
from app.services import categories as category_service
from app.services import stores as store_service
from app.storage import StorageError, get_storage
from app.web import flash_error

log = logging.getLogger(__name__)
seller_required = roles_required("seller")
PENDING_KEY = "bulk_upload_pending"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _store():
    store = store_service.store_of(current_user)
    if store is None:
        abort(redirect(url_for("seller.new_store")))
    return store


def _page(store, status=200, report=None, form=None):
    pending = session.get(PENDING_KEY) if report is not None and report.bad_rows and not report.file_problems else None
    return render_template(
        "seller/bulk_upload.html", store=store, form=form or BulkUploadForm(), report=report,
        categories=category_service.choices(str(get_locale())), clean_form=BulkCleanRowsForm(token=pending or ""),
        max_rows=bulk_upload.max_rows(), max_mb=bulk_upload.max_bytes() // (1024 * 1024)), status


@bp.route("/products/upload")
@seller_required
def bulk_upload_page():
    return _page(_store())


@bp.route("/products/upload/template")
@seller_required
def bulk_template():
    """The XLSX template of one category (``?category=<id>``), in the seller's language."""
    _store()
    from app.parsing import ParseError, parse_int

    try:
        category = db.session.get(Category, parse_int(request.args.get("category", ""), minimum=1))
    except ParseError:
        category = None
    if category is None:
        abort(404)
    data = bulk_upload.template_for(category)
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="template-{category.slug}.xlsx"'
    return response


def _stash(store, data):
    """Keep a file with problems for "import the clean rows only" (one per seller's session)."""
    _drop_stash()
    token = secrets.token_urlsafe(16)
    get_storage().save(f"private/bulk/{store.id}/{token}.xlsx", data)
    session[PENDING_KEY] = token
    return token


def _drop_stash():
    token = session.pop(PENDING_KEY, None)
    store = store_service.store_of(current_user)
    if token and store is not None:
        try:
            get_storage().delete(f"private/bulk/{store.id}/{token}.xlsx")
        except Exception:  # noqa: BLE001 - a leftover file is harmless; the token is gone
            log.warning("could not delete a kept bulk upload file", exc_info=True)


def _report(store, report):
    if report.imported:
        _drop_stash()
        flash(ngettext("%(num)d product imported as a draft. Add photos, then submit it for review.",
                       "%(num)d products imported as drafts. Add photos, then submit them for review.",
                       report.imported), "success")
        return redirect(url_for("seller.desk") + "#h-draft", code=303)
    status = 422
    flash(_("Nothing was imported. The report below names every problem."), "danger")
    return _page(store, status, report)


@bp.route("/products/upload", methods=["POST"])
@seller_required
def bulk_upload_post():
    store = _store()
    limit = bulk_upload.max_bytes()
    # Refused before the body is read or parsed: the declared size says enough.
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        flash(_("The file is larger than %(n)d MB. Split it into smaller files.", n=limit // (1024 * 1024)), "danger")
        return _page(store, 413)
    form = BulkUploadForm()
    if not form.validate_on_submit():
        flash(_("Choose the XLSX file to upload."), "danger")
        return _page(store, 400, form=form)
    upload = form.file.data
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        flash(_("The file is larger than %(n)d MB. Split it into smaller files.", n=limit // (1024 * 1024)), "danger")
        return _page(store, 413)
    try:
        report = bulk_upload.import_file(current_user, store, data)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _page(store, error.status)
    if report.bad_rows and not report.file_problems and report.clean_rows:
        _stash(store, data)
    return _report(store, report)


@bp.route("/products/upload/clean-rows", methods=["POST"])
@seller_required
def bulk_import_clean_rows():
    """Import the clean rows of the file checked last, skipping the rows with problems."""
    store = _store()
    form = BulkCleanRowsForm()
    token = session.get(PENDING_KEY)
    if not form.validate_on_submit() or not token or form.token.data != token:
        flash(_("Upload the file again: the checked file is no longer kept."), "danger")
        return _page(store, 409)
    try:
        data = get_storage().read(f"private/bulk/{store.id}/{token}.xlsx")
    except (StorageError, OSError):
        session.pop(PENDING_KEY, None)
        flash(_("Upload the file again: the checked file is no longer kept."), "danger")
        return _page(store, 409)
    try:
        report = bulk_upload.import_file(current_user, store, data, clean_rows_only=True)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _page(store, error.status)
    return _report(store, report)
