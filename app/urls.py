"""Links to the app's own pages, from a request or from a job: one way to build each."""
import re

from flask import current_app


def path_for(endpoint, **values) -> str:
    """The path of a page; works outside a request too (CLI jobs, the worker). An endpoint
    of a feature that is not installed gives "" (no link) rather than an error."""
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except Exception:  # noqa: BLE001 - werkzeug raises BuildError and others; a missing link is not fatal
        return ""


def absolute(path: str) -> str:
    """``path`` on the configured BASE_URL (for e-mails and documents), "" for no path."""
    return current_app.config.get("BASE_URL", "").rstrip("/") + path if path else ""


def absolute_url(endpoint, **values) -> str:
    """The full address of a page, for e-mails, PDFs and QR codes."""
    path = path_for(endpoint, **values)
    return absolute(path) if path else current_app.config.get("BASE_URL", "").rstrip("/")


def slugify(text: str) -> str:
    """The part of a web address made of a name: lowercase ASCII letters and digits, dashes."""
    text = (text or "").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:70] or "toko"


def register_static_urls(app):
    """Templates' ``url_for``, with the links to static files kept per process: the layout
    asks for the same seven on every page, and each went through the URL map's builder.
    A static file's path depends only on the file name and the prefix the app is served
    under (``request.script_root``), which are the key; outside a request (a document drawn by
    a job) Flask's own builds it."""
    from flask import has_request_context, request
    from flask import url_for as flask_url_for

    kept: dict[tuple, str] = {}

    def url_for(endpoint, **values):
        if endpoint == "static" and len(values) == 1 and "filename" in values and has_request_context():
            key = (request.script_root, values["filename"])
            url = kept.get(key)
            if url is None:
                url = flask_url_for(endpoint, **values)
                if len(kept) < 1024:
                    kept[key] = url
            return url
        return flask_url_for(endpoint, **values)

    app.jinja_env.globals["url_for"] = url_for
