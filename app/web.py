"""Small helpers the routes share."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.services import DomainError, Invalid


def safe_next(target, default_endpoint="main.home"):
    """``target`` if it is a path on this site, else the default page (no open redirect)."""
    if target:
        target = target.replace("\\", "/").strip()
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default_endpoint)


def render_form_page(template, status=None, **context):
    """Render a form page; a POST whose form failed validation answers 400 (or ``status``)."""
    if status is None:
        status = 200
        form = context.get("form")
        if request.method == "POST" and form is not None and form.errors:
            status = 400
    return render_template(template, **context), status


def page_arg():
    """The ``?page=`` of a list: a number a page can have, else the first page (db.paginate's
    own reading takes ``٣`` and numbers too large for the database's OFFSET)."""
    from app.converters import parse_id

    return parse_id(request.args.get("page")) or 1


def flash_error(error):
    flash(str(error.message), "danger")


def first_error(form) -> str:
    """The first message of a form that failed validation (fields in their order)."""
    for field in form:
        if field.errors:
            # Name the field when the form gave it a label (not WTForms' English default).
            if field.label.text and field.label.text != field.name.replace("_", " ").title():
                return f"{field.label.text}: {field.errors[0]}"
            return str(field.errors[0])
    return str(form.form_errors[0]) if form.form_errors else ""


def require_valid(form):
    """Validate a posted form or raise Invalid (422) with its first message, so a route
    handles a bad form and a broken rule the same way."""
    if not form.validate_on_submit():
        raise Invalid(first_error(form) or _invalid_request())


def _invalid_request():
    from flask_babel import gettext as _

    return _("The form could not be read. Reload the page and try again.")


def or_404(lookup, *args):
    """``lookup(*args)``, a service call that finds one thing for the current user; its
    DomainError (someone else's, or not there) is a 404 page, so nobody learns it exists."""
    try:
        return lookup(*args)
    except DomainError:
        abort(404)


def act(fn, success, done, on_error, code=303):
    """Run one state-changing service call for a button or a form on a page.

    ``fn()`` does the work (and commits); on success flash ``success`` and redirect (303)
    to ``done`` (a URL or a callable giving one). A DomainError is rolled back; a 404 is a
    404 page (someone else's object); anything else is flashed and ``on_error(status)``
    renders the page again with the error's status."""
    try:
        fn()
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash_error(error)
        return on_error(error.status)
    flash(success, "success")
    return redirect(done() if callable(done) else done, code=code)
