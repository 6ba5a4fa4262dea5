"""A short-lived cache of whole catalogue pages for visitors who are not logged in.

Why: rendering a page (ORM loading plus the layout) costs ~10 ms, while most visitors
ask for the same few pages. A page is kept for ``CATALOG_CACHE_SECONDS`` (default 10 s
in production, off in tests unless set), keyed by path + query, language and today's
date, and dropped when anything is committed (``services.catalog.bump_generation``):

- without ``REDIS_URL``, per worker process: a commit drops this process's pages at once,
  other workers catch up within the TTL;
- with ``REDIS_URL``, in Redis, shared by every process on every machine: a page is tagged
  with the shared generation counter (INCR after each commit anywhere), so a commit in
  any process drops the page for all of them at once. Nothing stays in process memory.

Only anonymous GET requests without pending flash messages use it; the page is
rendered once with a placeholder for the CSRF token, which is replaced on every
response with the visitor's own token.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from flask import current_app, g, make_response, request, session
from flask_login import current_user

CSRF_PLACEHOLDER = "PKB-CSRF-PLACEHOLDER-7f3a"
MAX_PAGES = 400
MAX_BYTES = 24 * 1024 * 1024

_lock = threading.Lock()


def ttl_seconds():
    app = current_app
    value = app.config.get("CATALOG_CACHE_SECONDS")
    if value is None:
        return 0 if app.testing else 10
    return float(value)


def _store():
    ext = current_app.extensions
    if "catalog_pages" not in ext:
        ext["catalog_pages"] = {"pages": OrderedDict(), "bytes": 0}
    return ext["catalog_pages"]


def _cacheable():
    return (request.method == "GET" and not current_user.is_authenticated
            and not session.get("_flashes"))


def _serve(body, status, mimetype):
    from flask_wtf.csrf import generate_csrf

    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, generate_csrf())
    response = make_response(body, status)
    response.mimetype = mimetype
    return response


def _render(view, args, kwargs):
    g.render_csrf_placeholder = True
    try:
        return make_response(view(*args, **kwargs))
    finally:
        g.render_csrf_placeholder = False


def _storable(response):
    return not (response.direct_passthrough or response.status_code not in (200, 400, 404)
                or response.headers.get("Set-Cookie"))


def _shared(conn, ttl, view, args, kwargs):
    """The page from Redis (tagged with the shared generation), or rendered and stored."""
    from app import clock
    from app.i18n import select_locale
    from app.services import catalog

    name = catalog.shared_key("page", (request.full_path, select_locale(), clock.today().isoformat()))
    generation = None
    try:
        generation, payload = catalog.shared_get(conn, name)
    except Exception:  # noqa: BLE001 - Redis down: render the page
        current_app.logger.warning("catalogue page cache: Redis unreachable", exc_info=True)
        payload = None
    if payload is not None:
        status, mimetype, body = payload.decode("utf-8").split("\n", 2)
        return _serve(body, int(status), mimetype)
    response = _render(view, args, kwargs)
    body = response.get_data(as_text=True)
    if generation is not None and _storable(response):
        record = f"{response.status_code}\n{response.mimetype}\n{body}".encode()
        try:
            catalog.shared_set(conn, name, generation, record, ttl)
        except Exception:  # noqa: BLE001
            current_app.logger.warning("catalogue page cache: Redis unreachable", exc_info=True)
    return _serve(body, response.status_code, response.mimetype)


def cached_page(view):
    """Decorate a view returning an HTML page (or ``(page, status)``)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        ttl = ttl_seconds()
        if not ttl or not _cacheable():
            return view(*args, **kwargs)
        from app import clock
        from app.i18n import select_locale
        from app.services import catalog

        conn = catalog.shared_cache()
        if conn is not None:
            return _shared(conn, ttl, view, args, kwargs)
        key = (request.full_path, select_locale(), clock.today(), catalog.current_generation())
        store = _store()
        now = time.monotonic()
        hit = store["pages"].get(key)
        if hit is not None and hit[0] > now:
            return _serve(hit[1], hit[2], hit[3])
        response = _render(view, args, kwargs)
        if not _storable(response):
            return _serve(response.get_data(as_text=True), response.status_code, response.mimetype)
        body = response.get_data(as_text=True)
        size = len(body)
        with _lock:
            pages = store["pages"]
            old = pages.pop(key, None)
            if old is not None:
                store["bytes"] -= len(old[1])
            pages[key] = (now + ttl, body, response.status_code, response.mimetype)
            store["bytes"] += size
            while pages and (len(pages) > MAX_PAGES or store["bytes"] > MAX_BYTES):
                _key, dropped = pages.popitem(last=False)
                store["bytes"] -= len(dropped[1])
        return _serve(body, response.status_code, response.mimetype)

    return wrapper


def register(app):
    @app.context_processor
    def csrf_placeholder():
        # While a page is rendered for the cache, templates get a placeholder token.
        if g.get("render_csrf_placeholder"):
            return {"csrf_token": lambda: CSRF_PLACEHOLDER}
        return {}
