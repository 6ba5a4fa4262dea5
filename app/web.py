"""Small helpers the routes share."""
from urllib.parse import urlsplit

from flask import flash, render_template, request, url_for


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
    from app.ids import parse_id

    return parse_id(request.args.get("page")) or 1


def flash_error(error):
    flash(str(error.message), "danger")
