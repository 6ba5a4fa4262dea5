"""Links to the app's own pages, from a request or from a job: one way to build each."""
import re

from flask import current_app
from werkzeug.routing import Rule


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


class LazyBuildRule(Rule):
    """A URL rule that writes its URL builders when it is first used to build a link.

    werkzeug writes two builders for every rule as the rule is added (Python source made through
    ``ast`` and compiled): for the app's ~210 rules that was 90 % of ``create_app``, about 0.15 s
    each time a worker, a ``flask`` command or a test builds the app, while a process only ever
    links to some of the endpoints. The builders are the ones werkzeug writes (``_compile_builder``),
    made on the first link instead; matching requests does not use them. The app sets it as
    ``app.url_rule_class`` before any rule is added. Depends on werkzeug's private
    ``Rule._compile_builder`` / ``_build`` / ``_build_unknown`` (werkzeug is pinned;
    tests/test_urls.py checks every rule builds as werkzeug's own does)."""

    def _compile_builder(self, append_unknown: bool = True):
        name = "_build_unknown" if append_unknown else "_build"
        eager = super()._compile_builder

        def build_once(rule, /, **values):  # positional-only: a link may carry ?rule=… itself
            real = eager(append_unknown).__get__(rule, None)
            setattr(rule, name, real)  # the next link goes straight to werkzeug's builder
            return real(**values)

        return build_once
