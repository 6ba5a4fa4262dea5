"""The catalogue's caches: whole pages for visitors who are not logged in, fragments of
pages (the parts that are the same for everyone) for those who are, and the totals and
short lists of a filter (``cached_value``).

Why: rendering a page (ORM loading plus the layout) costs ~10 ms, while most visitors
ask for the same few pages; counting the products of a filter costs as much again. A page
is kept for ``CATALOG_CACHE_SECONDS`` (default 10 s in production, off in tests unless set),
keyed by path + query, language and today's date; a fragment for ``CATALOG_FRAGMENT_SECONDS``
(default: the same), keyed by its name and key, language and date; a value for
``CATALOG_COUNT_TTL`` (default 30 s, off in tests unless set). Each is tagged with the
versions of what it shows (``app.catalog.versions``), which a commit bumps for the rows it
wrote: a price change drops that product's fragments, the lists and the anonymous pages; a
buyer's cart, order or message drops nothing.

- without ``REDIS_URL``, per worker process, with the versions of this process: a seller sees
  their change at once; other workers catch up within the TTL;
- with ``REDIS_URL``, in Redis, shared by every process on every machine, under
  ``<CACHE_KEY_PREFIX>:...``: the versions are Redis counters read with the value in one
  MGET, so a commit in any process drops what shows its rows for all of them at once. If
  Redis fails, the page or value is computed (never an error page because of the cache).
  A process keeps a copy of each page and fragment it read (``_Kept``), under the versions
  it was stored at: a signed-in request, which reads the versions that name no row with the
  user's counters in one round trip, takes the copy of the same versions without asking
  Redis again, so a buyer's catalogue page costs one round trip instead of three.

A missing or outdated fragment is rendered by one process at a time (a lock in Redis, a set
of keys being rendered in the process); the others serve the previous copy meanwhile, for at
most ``RENDER_LOCK_SECONDS``: a change never makes every worker render the same page at once.

GET requests without pending flash messages use the page cache: a visitor's, and, for the
views that say so (``cached_page(buyers=True)``: home, catalogue, product, store), a signed-in
buyer's. A page is rendered once with a placeholder for the CSRF token, which is replaced on
every response with the reader's own token (fragments likewise); the copy kept for buyers has
a mark where each part that is the reader's own goes (``personal``: the bar, the lists to save
to, "Waiting for you"), rendered for each reader on each response. Why: every buyer is signed
in, and most of what they see is the same for all of them.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict

from flask import current_app, g, has_app_context, make_response, request, session
from jinja2 import pass_context
from markupsafe import Markup
from flask_login import current_user
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from app import clock
from app.catalog import versions
from app.i18n import select_locale
from app.jobs import redis_connection

log = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "PKB-CSRF-PLACEHOLDER-7f3a"
MAX_PAGES = 400
MAX_BYTES = 24 * 1024 * 1024

COUNT_TTL = 30.0  # seconds

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


# ---------------------------------------------------------------- versions, Redis

# What a whole page for visitors and a count show (app.catalog.versions names them).
PAGE_VERSIONS = ("catalogue", "pages")
COUNT_VERSIONS = ("catalogue",)


def current_generation():
    """The local versions of what the anonymous pages show (a tuple: compare, never add)."""
    return versions.local_versions(PAGE_VERSIONS)


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


def _tag(numbers) -> bytes:
    return ".".join(str(n) for n in numbers).encode()


def shared_get(conn, name, names=COUNT_VERSIONS):
    """(versions, payload or None) for key ``name``: the payload only if it was stored at the
    versions of ``names`` that hold now (one MGET)."""
    *numbers, raw = conn.mget([versions.key_of(n) for n in names] + [name])
    numbers = tuple(int(v or 0) for v in numbers)
    if raw is not None:
        tag, _, payload = raw.partition(b"\n")
        if tag == _tag(numbers):
            return numbers, payload
    return numbers, None


def shared_set(conn, name, numbers, payload: bytes, ttl):
    conn.set(name, _tag(numbers) + b"\n" + payload, px=max(1, int(ttl * 1000)))


def bump_generation():
    """Everything buyers see may have changed (a restore, a bulk import): drop every page,
    fragment and count. A commit bumps only what it wrote (app.catalog.versions)."""
    versions.bump(["catalogue", "pages", "products", "stores", "categories"])


# ---------------------------------------------------------------- values (counts, lists)

def cached_value(key, compute, *, ttl=None, names=COUNT_VERSIONS, kind="count", limit=2000):
    """``compute()`` (an int, or rows), cached under ``key`` (a tuple) for ``ttl`` seconds
    (default ``count_ttl_seconds``) while the catalogue versions ``names`` hold. Per ``kind``
    of value a process keeps at most ``limit`` (without Redis); from Redis rows come back as
    lists."""
    ttl = count_ttl_seconds() if ttl is None else ttl
    if not ttl:
        return compute()
    conn = shared_cache()
    if conn is not None:
        return _shared_value(conn, key, compute, ttl, names, kind)
    cache = current_app.extensions.setdefault(f"catalog_{kind}s", {})
    now = time.monotonic()
    full_key = versions.local_versions(names) + key
    hit = cache.get(full_key)
    if hit is not None and hit[1] > now:
        return hit[0]
    value = compute()
    with _lock:
        if len(cache) > limit:
            cache.clear()
        cache[full_key] = (value, now + ttl)
    return value


def _shared_value(conn, key, compute, ttl, names, kind):
    """Counts (ints) and lists of rows (as lists), kept as JSON in Redis."""
    name = shared_key(kind, key)
    try:
        generation, payload = shared_get(conn, name, names)
    except Exception:  # noqa: BLE001 - Redis down: compute
        log.warning("catalogue %s cache: Redis unreachable", kind, exc_info=True)
        return compute()
    if payload is not None:
        return json.loads(payload)
    value = compute()
    if not isinstance(value, int):
        value = [list(row) for row in value]
    try:
        shared_set(conn, name, generation, json.dumps(value).encode(), ttl)
    except Exception:  # noqa: BLE001
        log.warning("catalogue %s cache: Redis unreachable", kind, exc_info=True)
    return value


# ---------------------------------------------------------------- pages


#: The roles whose catalogue pages are the same for everyone holding them, but for the parts
#: that are the reader's own (``personal``): a buyer's. A seller answers the questions of their
#: own store and a mentor hides those of the stores they mentor, so their pages are their own
#: (rendered each time, with the shared fragments).
SHARED_ROLES = frozenset({"buyer"})

#: Where a part of the page that is the reader's own goes in a page kept for every buyer.
PERSONAL_MARK = "<!--pkb-personal:{}-->"
_PERSONAL_RE = re.compile(r"<!--pkb-personal:([a-z_/]+\.html)-->")
#: The templates that may be such a part (each renders from the request alone: current_user,
#: the context processors): the bar, the lists of "Save to list", the home page's "Waiting for you".
PERSONAL_PARTS = frozenset({"_header.html", "lists/_list_options.html", "main/_waiting.html"})


def _audience(buyers):
    """Who a page is kept for: "anonymous", the roles of a signed-in buyer (a tuple, when the
    view shares its pages with ``buyers``), or None: rendered for this request alone."""
    if request.method != "GET" or session.get("_flashes"):
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return "anonymous"
    if not buyers:
        return None
    roles = user.roles
    if not roles <= SHARED_ROLES:
        return None
    return tuple(sorted(roles))


@pass_context
def personal(context, name):
    """A part of the page that is the reader's own (``PERSONAL_PARTS``): rendered in place, or,
    while a page is rendered to be kept for every buyer, a mark that ``_serve`` fills in with
    the reader's own on each response. In a template: ``{{ personal("_header.html") }}``."""
    if name not in PERSONAL_PARTS:
        raise ValueError(f"{name} is not a personal part of a page (PERSONAL_PARTS)")
    if g.get("render_personal_marks"):
        return Markup(PERSONAL_MARK.format(name))  # noqa: S704  # nosec B704 - a fixed comment
    part = context.environment.get_template(name).render(context.get_all())
    return Markup(part)  # noqa: S704  # nosec B704 - one of our templates, rendered with autoescape


def _fill_personal(body):
    """The reader's own parts in a page kept for every buyer (one template context for all)."""
    parts = _PERSONAL_RE.split(body)
    if len(parts) == 1:
        return body
    context: dict = {}
    current_app.update_template_context(context)
    env = current_app.jinja_env
    for i in range(1, len(parts), 2):
        name = parts[i]
        parts[i] = env.get_template(name).render(context) if name in PERSONAL_PARTS else PERSONAL_MARK.format(name)
    return "".join(parts)


def _serve(body, status, mimetype, outcome="miss", audience="anonymous"):
    if audience != "anonymous":
        body = _fill_personal(body)
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, request_csrf_token())
    response = make_response(body, status)
    response.mimetype = mimetype
    response.headers["X-Cache"] = outcome  # what bench/catalog counts
    return response


def _render(view, args, kwargs, audience):
    g.render_csrf_placeholder = True
    g.render_personal_marks = audience != "anonymous"
    try:
        return make_response(view(*args, **kwargs))
    finally:
        g.render_csrf_placeholder = False
        g.render_personal_marks = False


def _storable(response, body, audience):
    if response.direct_passthrough or response.status_code not in (200, 400, 404) \
            or response.headers.get("Set-Cookie"):
        return False
    if audience != "anonymous":
        # A page kept for every buyer never holds the reader's own name or address: if one
        # shows outside the personal parts, a template reads the person directly; keep nothing.
        user = current_user._get_current_object()
        for own in (user.full_name, user.email):
            if own and own in body:
                log.warning("catalogue page %s shows the reader outside a personal part: not kept", request.path)
                return False
    return True


class _Kept:
    """What this process keeps in memory, each value under a tag (the versions it was made
    or stored at) and until a wall-clock time; bounded by count and size, oldest out. Serves
    the pages and fragments kept without Redis, and the copies of what a process read from
    Redis: a request that already knows the versions (``versions.known``: a signed-in request
    read them with the user's counters) takes the copy of the same tag without asking Redis."""

    def __init__(self, max_items, max_bytes):
        self.items: OrderedDict = OrderedDict()
        self.bytes, self.max_items, self.max_bytes = 0, max_items, max_bytes

    def get(self, name, tag):
        """The value kept under ``name`` at ``tag``, if it is still fresh; else None."""
        entry = self.items.get(name)
        if entry is None or entry[0] != tag or entry[1] <= time.time():
            return None
        return entry[2]

    def previous(self, name):
        """The value kept under ``name`` whatever its tag or age (to serve while another
        thread makes the new one), or None."""
        entry = self.items.get(name)
        return None if entry is None else entry[2]

    def put(self, name, tag, until, value, size):
        with _lock:
            old = self.items.pop(name, None)
            if old is not None:
                self.bytes -= old[3]
            self.items[name] = (tag, until, value, size)
            self.bytes += size
            while self.items and (len(self.items) > self.max_items or self.bytes > self.max_bytes):
                _name, dropped = self.items.popitem(last=False)
                self.bytes -= dropped[3]


def _kept(kind) -> _Kept:
    """This app's store of ``kind``: "pages" / "fragments" (copies of Redis's), "local_pages" /
    "local_fragments" (without Redis)."""
    ext = current_app.extensions
    name = f"catalog_kept_{kind}"
    if name not in ext:
        pages = kind.endswith("pages")
        ext[name] = _Kept(MAX_PAGES, MAX_BYTES) if pages else _Kept(MAX_FRAGMENTS, MAX_FRAGMENT_BYTES)
    return ext[name]


def _shared_page(conn, name):
    """(versions, (status, mimetype, body) or None): this process's copy when the request
    knows the versions and the copy has them; else Redis (raises if Redis fails)."""
    known = versions.known(PAGE_VERSIONS)
    if known is None:
        generation, payload = shared_get(conn, name, PAGE_VERSIONS)
    else:
        generation, tag = known, _tag(known)
        page = _kept("pages").get(name, tag)
        if page is not None:
            return generation, page
        raw = conn.get(name)
        payload = None
        if raw is not None:
            stored_tag, _, rest = raw.partition(b"\n")
            payload = rest if stored_tag == tag else None
    if payload is None:
        return generation, None
    status, mimetype, body = payload.decode("utf-8").split("\n", 2)
    page = (int(status), mimetype, body)
    if known is not None:  # only such a request takes a copy (a visitor's never knows them)
        _kept("pages").put(name, _tag(generation), time.time() + ttl_seconds(), page, len(body))
    return generation, page


def _shared(conn, ttl, view, args, kwargs, audience, locale):
    """The page from Redis (tagged with the shared generation), or rendered and stored."""
    name = shared_key("page", (request.full_path, locale, clock.today().isoformat(), audience))
    generation = None
    try:
        generation, page = _shared_page(conn, name)
    except Exception:  # noqa: BLE001 - Redis down: render the page
        current_app.logger.warning("catalogue page cache: Redis unreachable", exc_info=True)
        page = None
    if page is not None:
        status, mimetype, body = page
        return _serve(body, status, mimetype, "hit", audience)
    response = _render(view, args, kwargs, audience)
    body = response.get_data(as_text=True)
    if generation is not None and _storable(response, body, audience):
        record = f"{response.status_code}\n{response.mimetype}\n{body}".encode()
        try:
            shared_set(conn, name, generation, record, ttl)
        except Exception:  # noqa: BLE001
            current_app.logger.warning("catalogue page cache: Redis unreachable", exc_info=True)
        else:
            if versions.known(PAGE_VERSIONS) is not None:
                _kept("pages").put(name, _tag(generation), time.time() + ttl,
                                     (response.status_code, response.mimetype, body), len(body))
    return _serve(body, response.status_code, response.mimetype, "miss", audience)


def cached_page(view=None, *, buyers=False):
    """Decorate a view returning an HTML page (or ``(page, status)``). The page is kept for
    visitors who are not logged in; with ``buyers=True`` also for signed-in buyers (one copy for
    all of them, per language), their own parts (``personal``) put in on each response."""
    if view is None:
        return functools.partial(cached_page, buyers=buyers)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        ttl = ttl_seconds()
        audience = _audience(buyers) if ttl else None
        if audience is None:
            return view(*args, **kwargs)
        locale = str(get_locale() or select_locale())
        conn = shared_cache()
        if conn is not None:
            return _shared(conn, ttl, view, args, kwargs, audience, locale)
        key, generation = (request.full_path, locale, clock.today(), audience), current_generation()
        store = _kept("local_pages")
        hit = store.get(key, generation)
        if hit is not None:
            status, mimetype, body = hit
            return _serve(body, status, mimetype, "hit", audience)
        response = _render(view, args, kwargs, audience)
        body = response.get_data(as_text=True)
        if _storable(response, body, audience):
            store.put(key, generation, time.time() + ttl, (response.status_code, response.mimetype, body), len(body))
        return _serve(body, response.status_code, response.mimetype, "miss", audience)

    return wrapper


# ---------------------------------------------------------------- fragments

MAX_FRAGMENTS = 4000
MAX_FRAGMENT_BYTES = 32 * 1024 * 1024
#: How long one process may take to render a missing fragment while the others keep serving
#: the previous copy (then another process tries): the longest a changed fragment stays old.
RENDER_LOCK_SECONDS = 5.0


def fragment_ttl_seconds():
    """``CATALOG_FRAGMENT_SECONDS``; by default as long as a page is kept (``CATALOG_CACHE_SECONDS``)."""
    value = current_app.config.get("CATALOG_FRAGMENT_SECONDS")
    if value is None:
        return ttl_seconds()
    return float(value)


def _render_fragment(caller):
    """The block, with a placeholder where a CSRF token would be (it is the reader's own)."""
    before = g.get("render_csrf_placeholder", False)
    g.render_csrf_placeholder = True
    try:
        return str(caller())
    finally:
        g.render_csrf_placeholder = before


def _local_fragment(key, numbers, ttl, caller):
    store = _kept("local_fragments")
    hit = store.get(key, numbers)
    if hit is not None:
        return hit, "hit"
    rendering = current_app.extensions.setdefault("catalog_fragments_rendering", set())
    with _lock:
        busy = key in rendering
        if not busy:
            rendering.add(key)
    previous = store.previous(key) if busy else None
    if previous is not None:  # another thread renders it: serve the previous copy meanwhile
        return previous, "stale"
    try:
        body = _render_fragment(caller)
    finally:
        with _lock:
            rendering.discard(key)
    store.put(key, numbers, time.time() + ttl, body, len(body))
    return body, "miss"


def _shared_fragment(conn, key, names, ttl, caller):
    """Redis: ``<tag>\\n<fresh until>\\n<html>``, kept past its freshness for the stale window.
    A fresh copy of the current versions is served; otherwise the first process to take the
    render lock (SET NX, RENDER_LOCK_SECONDS) renders it while the others serve the previous
    copy; without a previous copy each renders its own (nothing to serve instead)."""
    name = shared_key("fragment", key)
    known = versions.known(names)
    copies = _kept("fragments")
    if known is not None:
        text = copies.get(name, _tag(known))
        if text is not None:
            return text, "hit"
    try:
        if known is None:
            *numbers, raw = conn.mget([versions.key_of(n) for n in names] + [name])
        else:
            numbers, raw = list(known), conn.get(name)
    except Exception:  # noqa: BLE001 - Redis down: render
        log.warning("catalogue fragment cache: Redis unreachable", exc_info=True)
        return _render_fragment(caller), "miss"
    numbers = tuple(int(v or 0) for v in numbers)
    stale = None
    if raw is not None:
        tag, _, rest = raw.partition(b"\n")
        fresh_until, _, body = rest.partition(b"\n")
        until = float(fresh_until or 0)
        if tag == _tag(numbers) and until > time.time():
            text = body.decode("utf-8")
            copies.put(name, tag, until, text, len(text))
            return text, "hit"
        stale = body
    try:
        locked = bool(conn.set(name + ":lock", b"1", nx=True, px=int(RENDER_LOCK_SECONDS * 1000)))
    except Exception:  # noqa: BLE001
        locked = True
    if not locked and stale is not None:
        return stale.decode("utf-8"), "stale"
    text = _render_fragment(caller)
    until = time.time() + ttl
    record = _tag(numbers) + b"\n" + f"{until:.3f}".encode() + b"\n" + text.encode("utf-8")
    try:
        conn.set(name, record, px=int((ttl + RENDER_LOCK_SECONDS * 4) * 1000))
        if locked:
            conn.delete(name + ":lock")
    except Exception:  # noqa: BLE001
        log.warning("catalogue fragment cache: Redis unreachable", exc_info=True)
    else:
        copies.put(name, _tag(numbers), until, text, len(text))
    return text, "miss"


def fragment(name, *key, depends=None, caller=None):
    """A block of a page that is the same for everyone who asks for it with ``key``, kept
    rendered by name + key + language + date + the versions it ``depends`` on (strings, or a
    product or store: ``app.catalog.versions.depends``; default: the catalogue). In a
    template::

        {% call fragment("product-detail", product.id, depends=[product]) %} ... {% endcall %}

    What differs per person (the header, the cart form, a CSRF token, "your review") stays
    outside the block; a CSRF token inside it is the reader's own on every response. The
    values the block reads can be lazy (``Lazy``): on a hit they are never computed."""
    if caller is None:
        raise TypeError("fragment() wraps a block: {% call fragment(...) %}…{% endcall %}")
    ttl = fragment_ttl_seconds()
    if not ttl or not has_app_context():
        return Markup(caller())  # noqa: S704  # nosec B704 - the block's own rendered, escaped output
    names = versions.depends(depends)
    # The language the block is rendered in: Flask-Babel's locale of the request, worked out
    # once per request (select_locale asks the user and the session again at each call).
    locale = str(get_locale() or select_locale())
    full_key = repr((name, key, locale, clock.today().isoformat()))  # dicts too; same order each time
    conn = shared_cache()
    if conn is not None:
        body, outcome = _shared_fragment(conn, full_key, names, ttl, caller)
    else:
        body, outcome = _local_fragment(full_key, versions.local_versions(names), ttl, caller)
    stats = current_app.extensions.setdefault("catalog_fragment_stats", {"hit": 0, "stale": 0, "miss": 0})
    stats[outcome] += 1
    g.setdefault("fragment_outcomes", []).append(outcome)
    if CSRF_PLACEHOLDER in body and not g.get("render_csrf_placeholder"):
        body = body.replace(CSRF_PLACEHOLDER, request_csrf_token())
    return Markup(body)  # noqa: S704  # nosec B704 - a block of our templates as rendered (escaped) before


def request_csrf_token():
    """The request's CSRF token. Flask-WTF keeps it in g once made; every form of a page asks
    for it, and generate_csrf reads three settings before it looks there."""
    return g.get(current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token") or generate_csrf()


class Lazy:
    """A value worked out the first time a template reads it (inside a fragment: only on a
    miss). Iterable, sized, truthy and indexable like the list or object it stands for."""

    __slots__ = ("_make", "_value", "_done")

    def __init__(self, make):
        self._make, self._value, self._done = make, None, False

    def get(self):
        if not self._done:
            self._value, self._done = self._make(), True
        return self._value

    def __iter__(self):
        return iter(self.get())

    def __len__(self):
        return len(self.get())

    def __bool__(self):
        return bool(self.get())

    def __getitem__(self, key):
        return self.get()[key]

    def __getattr__(self, name):
        return getattr(self.get(), name)


def register(app):
    app.jinja_env.globals["fragment"] = fragment
    app.jinja_env.globals["personal"] = personal

    @app.after_request
    def fragment_outcomes(response):
        outcomes = g.pop("fragment_outcomes", None)
        if outcomes:  # e.g. "hit=5 stale=0 miss=1": what bench/catalog counts
            response.headers["X-Cache-Fragments"] = " ".join(
                f"{name}={outcomes.count(name)}" for name in ("hit", "stale", "miss"))
        return response

    def csrf_token():
        # While a page or a fragment is rendered for the cache, templates get a placeholder
        # token (asked at each call: a fragment sets the flag in the middle of a page).
        if g.get("render_csrf_placeholder"):
            return CSRF_PLACEHOLDER
        return request_csrf_token()

    @app.context_processor
    def csrf_placeholder():
        return {"csrf_token": csrf_token}
