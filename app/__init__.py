"""Pasar Kite Bise: the application factory."""
import os

from flask import Flask

from app.config import ConfigError, from_environment, instance_path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class PasarApp(Flask):
    """Flask, but a hook or view is checked for ``async def`` once, not on every request.

    Flask asks ``ensure_sync`` for each of the ~18 hooks and the view of every request, and
    each answer runs ``inspect.iscoroutinefunction``: 10 µs of a 0.37 ms ``/healthz`` request
    in process (test client, 10 × 1000 requests each way). A plain function is remembered as
    plain (they are the app's own, a bounded set); a coroutine function goes to Flask as
    before."""

    _SYNC_MAX = 4096

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_sync: set = set()

    def ensure_sync(self, func):
        try:
            if func in self._known_sync:
                return func
        except TypeError:  # not hashable: ask Flask every time
            return super().ensure_sync(func)
        sync = super().ensure_sync(func)
        if sync is func:
            if len(self._known_sync) >= self._SYNC_MAX:
                self._known_sync.clear()
            self._known_sync.add(func)
        return sync


def create_app(config=None):
    """Build the app. ``config`` (a dict) overrides what the environment says."""
    app = PasarApp(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=instance_path(os.path.join(ROOT, "instance")),
    )
    from app.urls import LazyBuildRule

    app.url_rule_class = LazyBuildRule  # every rule from here on (all but /static) builds its links lazily
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    check_config(app)
    os.makedirs(app.instance_path, exist_ok=True)
    apply_proxy_fix(app)

    register_extensions(app)
    register_observability(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security(app)
    register_mail(app)
    register_jobs(app)
    register_commands(app)
    return app


def check_config(app):
    if not app.config.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY is not set. Outside development the app needs a long random "
            "SECRET_KEY in the environment, e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'. Set APP_ENV=development to use the "
            "development default."
        )


def apply_proxy_fix(app):
    """Behind N reverse proxies (``TRUSTED_PROXIES=N``, default 0: none), take the client address,
    scheme, host and prefix from the X-Forwarded-* headers the last N proxies set. Never more than
    the real number of proxies: a client can send the headers itself."""
    raw = app.config.get("TRUSTED_PROXIES", 0)
    try:
        count = int(raw or 0)
    except (TypeError, ValueError):
        raise ConfigError(f"TRUSTED_PROXIES must be a number of proxies (0, 1, 2...), not {raw!r}.") from None
    app.config["TRUSTED_PROXIES"] = count
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count,
                                x_prefix=count)


def register_extensions(app):
    from app import models  # noqa: F401 - registers every table on the metadata
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale, select_timezone

    db.init_app(app)
    from app import session_cookie

    session_cookie.register(app)  # each session cookie value verified once per process
    from app import pool_check, read_transactions

    pool_check.register(app, db)  # a pooled connection is pinged only after it sat idle

    read_transactions.register(app)  # web requests that only read end with COMMIT (PostgreSQL)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=os.path.join(ROOT, "app", "translations"),
    )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    from app.security import skip_unlimited_views

    skip_unlimited_views(app, limiter)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    from app.auth.session import configure_login

    configure_login(login_manager)


def register_converters(app):
    from app import converters

    converters.register(app)


def register_blueprints(app):
    from app.account import bp as account_bp
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.errors import bp as errors_bp
    from app.main import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(errors_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from app.mentor import bp as mentor_bp
    from app.programme import bp as programme_bp
    from app.seller import bp as seller_bp

    app.register_blueprint(seller_bp, url_prefix="/seller")
    app.register_blueprint(mentor_bp, url_prefix="/mentor")
    app.register_blueprint(programme_bp, url_prefix="/programme")
    from app.catalog import bp as catalog_bp

    app.register_blueprint(catalog_bp)
    from app.cart import bp as cart_bp
    from app.notifications import bp as notifications_bp
    from app.orders import bp as orders_bp
    from app.sales import bp as sales_bp

    app.register_blueprint(cart_bp, url_prefix="/cart")
    app.register_blueprint(orders_bp, url_prefix="/orders")
    app.register_blueprint(sales_bp, url_prefix="/sales")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    from app.procurement import bp as procurement_bp

    app.register_blueprint(procurement_bp)
    from app.finance import bp as finance_bp
    from app.payments_web import bp as payments_web_bp
    from app.webhooks import bp as webhooks_bp

    app.register_blueprint(payments_web_bp, url_prefix="/pay")
    app.register_blueprint(webhooks_bp, url_prefix="/webhooks")
    app.register_blueprint(finance_bp, url_prefix="/finance")
    from app.auditlog import bp as auditlog_bp
    from app.dashboards import bp as dashboards_bp

    app.register_blueprint(dashboards_bp)
    app.register_blueprint(auditlog_bp, url_prefix="/admin/audit")
    from app.disputes import bp as disputes_bp

    app.register_blueprint(disputes_bp, url_prefix="/admin/disputes")
    from app.lists import bp as lists_bp
    from app.questions import bp as questions_bp

    from app.suggest import bp as suggest_bp

    app.register_blueprint(questions_bp)
    app.register_blueprint(suggest_bp)
    app.register_blueprint(lists_bp, url_prefix="/lists")
    from app.incubator import bp as incubator_bp

    app.register_blueprint(incubator_bp, url_prefix="/incubator")


def register_errorhandlers(app):
    from app.errors.handlers import register

    register(app)


def register_template_helpers(app):
    from app import nav
    from app.i18n import register_filters

    from app import labels

    from app.urls import register_static_urls

    register_filters(app)
    register_static_urls(app)
    nav.register(app)
    labels.register(app)


def register_security(app):
    from app.security import register

    register(app)


def register_mail(app):
    from app.services.mail import register

    register(app)


def register_observability(app):
    from app.observability import register

    register(app)


def register_jobs(app):
    from app.jobs import register

    register(app)


def register_commands(app):
    from app.cli import register

    register(app)
