"""Security headers for every response, and the CSRF check."""
from flask import current_app, request, session
from flask_wtf.csrf import CSRFProtect, same_origin
from werkzeug.datastructures import ImmutableMultiDict

from app.forms import has_controls, strip_controls

CSP = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def register(app):
    @app.before_request
    def drop_control_characters():
        """NUL and other control characters in a query string are nothing a person typed, and
        PostgreSQL refuses NUL in text where SQLite keeps it: they are dropped before any view
        reads its arguments, on both databases (forms clean their own fields: app.forms.Form)."""
        if any(has_controls(value) for values in request.args.listvalues() for value in values):
            request.args = ImmutableMultiDict(
                [(strip_controls(key), strip_controls(value)) for key, value in request.args.items(multi=True)])

    # The same headers on every response: worked out once, added where a view set none of its own.
    fixed = [("Content-Security-Policy", app.config.get("CONTENT_SECURITY_POLICY", CSP)),
             ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
             ("Referrer-Policy", "strict-origin-when-cross-origin"),
             ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")]
    if app.config.get("SESSION_COOKIE_SECURE"):
        fixed.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        present = {key.lower() for key in headers.keys()}
        for name, value in fixed:
            if name.lower() not in present:
                headers.add(name, value)
        # What a logged-in person is shown is theirs (orders, receipts, the account): no browser
        # or proxy cache keeps it for the next person at a shared office computer. A view that
        # sends something cacheable (a photo, the sitemap) says so itself.
        if "cache-control" not in present and session.get("_user_id"):
            headers["Cache-Control"] = "private, no-store"
        return response


class CSRFProtection(CSRFProtect):
    """Flask-WTF's token check, and the browser's word on where the form was sent from.

    Flask-WTF compares origins only over HTTPS, through the Referer; a token leaked to another
    site (a shared screenshot, a log) would then work from it over plain HTTP. Browsers send
    ``Origin`` with every POST: one that is neither this host nor BASE_URL is refused
    (``null`` included: a sandboxed frame or a privacy redirect). A request without it (an
    old browser, a script of our own) is left to the token."""

    def protect(self):
        super().protect()
        origin = request.headers.get("Origin")
        if origin is None or request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        base_url = current_app.config.get("BASE_URL") or ""
        if not any(same_origin(origin + "/", own) for own in (request.host_url, base_url) if own):
            self._error_response("The origin does not match the host.")


def skip_unlimited_views(app, limiter):
    """Flask-Limiter resolves the limits of every request before the view runs (~0.25 ms),
    though only a few views have any (log-in, password reset, document verification). With
    no default, application or meta limits, a request to a view that carries no limit of its
    own has nothing to check: its check is skipped. The views with limits are checked exactly
    as before."""
    from flask_limiter.util import get_qualified_name

    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits or any(limiter._meta_limits) \
            or manager._blueprint_limits:
        return
    funcs = app.before_request_funcs.get(None, [])
    original = limiter._check_request_limit
    position = next((n for n, func in enumerate(funcs)
                     if getattr(func, "__func__", None) is getattr(original, "__func__", object())
                     and getattr(func, "__self__", None) is limiter), None)
    if position is None:
        return
    limited: dict[str | None, bool] = {}

    def check_limited_views():
        endpoint = request.endpoint
        has_limits = limited.get(endpoint)
        if has_limits is None:
            view = app.view_functions.get(endpoint or "")
            name = get_qualified_name(view) if view else ""
            has_limits = limited[endpoint] = bool(
                not endpoint or name in limiter._marked_for_limiting or manager.has_hints(endpoint)
                or name in manager._decorated_limits)
        if has_limits:
            return original()
        return None

    funcs[position] = check_limited_views

    # After the view and at the end, Flask-Limiter adds the headers of the limit the request was
    # checked against and clears what it kept for it: a request to a view without limits was
    # checked against none and kept nothing. Only a request whose view was found to have none
    # (above) skips them; any other (a hook before ours answered) goes through them as before.
    def _only_where_limited(original_hook):
        def hook(arg=None):
            if limited.get(request.endpoint) is False:
                return arg
            return original_hook(arg)
        return hook

    def is_limiters(func, name):  # a bound method, or functools.partial(Limiter.<name>, limiter)
        target = getattr(type(limiter), name)
        if getattr(func, "__self__", None) is limiter:
            return getattr(func, "__func__", None) is target
        return getattr(func, "func", None) is target and getattr(func, "args", ()) == (limiter,)

    for hooks, name in ((app.after_request_funcs, "_Limiter__inject_headers"),
                        (app.teardown_request_funcs, "_Limiter__release_context")):
        own = hooks.get(None, [])
        for n, func in enumerate(own):
            if is_limiters(func, name):
                own[n] = _only_where_limited(func)
