"""The catalogue's caches: whole pages for visitors who are not logged in, and the totals
and short lists of a filter (``cached_value``).

Why: rendering a page (ORM loading plus the layout) costs ~10 ms, while most visitors
ask for the same few pages; counting the products of a filter costs as much again. A page
is kept for ``CATALOG_CACHE_SECONDS`` (default 10 s in production, off in tests unless set),
keyed by path + query, language and today's date; a value for ``CATALOG_COUNT_TTL``
(default 30 s, off in tests unless set). Both are dropped when anything is committed
(``bump_generation``, called after every commit by ``services.search``):

- without ``REDIS_URL``, per worker process: a generation number in this module is part of
  every key and goes up on each commit in this process, so a seller sees their change at
  once; other workers catch up within the TTL;
- with ``REDIS_URL``, in Redis, shared by every process on every machine, under
  ``<CACHE_KEY_PREFIX>:...``: a value is tagged with the shared generation counter
  (``<prefix>:gen``, INCR after each commit anywhere; read with the value in one MGET), so
  a commit in any process drops it for all of them at once. Nothing stays in process memory.
  If Redis fails, the page or value is computed (never an error page because of the cache).

Only anonymous GET requests without pending flash messages use the page cache; the page is
rendered once with a placeholder for the CSRF token, which is replaced on every
response with the visitor's own token.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict

from flask import current_app, g, has_app_context, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app import clock
from app.i18n import select_locale
from app.jobs import redis_connection

log = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "PKB-CSRF-PLACEHOLDER-7f3a"
MAX_PAGES = 400
MAX_BYTES = 24 * 1024 * 1024

COUNT_TTL = 30.0  # seconds

_current_generation = 1
_lock = threading.Lock()


def ttl_seconds():
    app = current_app
    value = app.config.get("CATALOG_CACHE_SECONDS")
    if value is None:
        return 0 if app.testing else 10
    return float(value)


def count_ttl_seconds():
    value = current_app.config.get("CATALOG_COUNT_TTL")
    if value is None:
        return 0 if current_app.testing else COUNT_TTL
    return float(value)


# ---------------------------------------------------------------- the generation, Redis

def current_generation():
    return _current_generation


def shared_cache():
    """The Redis client when caches are shared (``REDIS_URL`` set), else None."""
    if not has_app_context() or not current_app.config.get("REDIS_URL"):
        return None
    return redis_connection()


def cache_prefix():
    config = current_app.config
    return config.get("CACHE_KEY_PREFIX") or f"{config.get('JOBS_QUEUE_PREFIX') or 'pkb'}:cache"


def shared_key(kind, key) -> str:
    digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:40]
    return f"{cache_prefix()}:{kind}:{digest}"


def shared_get(conn, name):
    """(generation, payload or None) for key ``name``; payload only if of this generation."""
    generation, raw = conn.mget(f"{cache_prefix()}:gen", name)
    generation = int(generation or 0)
    if raw is not None:
        tag, _, payload = raw.partition(b"\n")
        if tag == str(generation).encode():
            return generation, payload
    return generation, None


def shared_set(conn, name, generation, payload: bytes, ttl):
    conn.set(name, str(generation).encode() + b"\n" + payload, px=max(1, int(ttl * 1000)))


def bump_generation():
    """Something buyers see changed (called after commits, see services.search)."""
    global _current_generation
    with _lock:
        _current_generation += 1
    try:
        conn = shared_cache()
        if conn is not None:
            conn.incr(f"{cache_prefix()}:gen")
    except Exception:  # noqa: BLE001 - the commit is done; other processes catch up within the TTL
        log.exception("could not bump the shared catalogue cache generation")


# ---------------------------------------------------------------- values (counts, lists)

def cached_value(key, compute):
    """``compute()`` (an int, or rows), cached under ``key`` (a tuple) for ``count_ttl_seconds``."""
    ttl = count_ttl_seconds()
    if not ttl:
        return compute()
    conn = shared_cache()
    if conn is not None:
        return _shared_value(conn, key, compute, ttl)
    cache = current_app.extensions.setdefault("catalog_counts", {})
    now = time.monotonic()
    full_key = (_current_generation,) + key
    hit = cache.get(full_key)
    if hit is not None and hit[1] > now:
        return hit[0]
    value = compute()
    with _lock:
        if len(cache) > 2000:
            cache.clear()
        cache[full_key] = (value, now + ttl)
    return value


def _shared_value(conn, key, compute, ttl):
    """Counts (ints) and lists of rows (as lists), kept as JSON in Redis."""
    name = shared_key("count", key)
    try:
        generation, payload = shared_get(conn, name)
    except Exception:  # noqa: BLE001 - Redis down: compute
        log.warning("catalogue count cache: Redis unreachable", exc_info=True)
        return compute()
    if payload is not None:
        return json.loads(payload)
    value = compute()
    if not isinstance(value, int):
        value = [list(row) for row in value]
    try:
        shared_set(conn, name, generation, json.dumps(value).encode(), ttl)
    except Exception:  # noqa: BLE001
        log.warning("catalogue count cache: Redis unreachable", exc_info=True)
    return value


# ---------------------------------------------------------------- pages


def _store():
    ext = current_app.extensions
    if "catalog_pages" not in ext:
        ext["catalog_pages"] = {"pages": OrderedDict(), "bytes": 0}
    return ext["catalog_pages"]


def _cacheable():
    return (request.method == "GET" and not current_user.is_authenticated
            and not session.get("_flashes"))


def _serve(body, status, mimetype):
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
    name = shared_key("page", (request.full_path, select_locale(), clock.today().isoformat()))
    generation = None
    try:
        generation, payload = shared_get(conn, name)
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
            shared_set(conn, name, generation, record, ttl)
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
        conn = shared_cache()
        if conn is not None:
            return _shared(conn, ttl, view, args, kwargs)
        key = (request.full_path, select_locale(), clock.today(), _current_generation)
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
