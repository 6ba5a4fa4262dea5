"""Configuration read from environment variables, safe by default.

With no variables set the app runs in development mode on SQLite in ``instance/``,
keeps rate limits in memory and runs background work in-process. Production needs
``SECRET_KEY`` (the app refuses to start without it) and normally ``DATABASE_URL``
and ``REDIS_URL``.
"""
import os

DEV_SECRET = "dev-only-secret-not-for-production"  # noqa: S105  # nosec B105 - development default only; check_config refuses it outside development


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name, default):
    raw = os.environ.get(name, default)
    return [item.strip().lower() for item in raw.split(",") if item.strip()]


def _optional_float(name):
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else None


def normalise_database_url(url):
    """Let operators write postgres:// or postgresql:// and still use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def from_environment(instance_path):
    """Build the settings dict from the process environment."""
    env = os.environ.get("APP_ENV", os.environ.get("FLASK_ENV", "development")).lower()
    development = env == "development"
    default_db = "sqlite:///" + os.path.join(instance_path, "pasar.sqlite3")
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or (DEV_SECRET if development else None),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ.get("DATABASE_URL", default_db)),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour"),
        "RATELIMIT_RESET": os.environ.get("RATELIMIT_RESET", "5 per minute;20 per hour"),
        # Public document checks (/verifikasi/<code>): a person types a code or scans one.
        "RATELIMIT_VERIFY": os.environ.get("RATELIMIT_VERIFY", "20 per minute;200 per hour"),
        # The reserved .test domain (demo accounts) is accepted outside production only.
        "EMAIL_ALLOW_TEST_DOMAINS": _bool("EMAIL_ALLOW_TEST_DOMAINS", development),
        "GOV_EMAIL_DOMAINS": _list("GOV_EMAIL_DOMAINS", "pontianak.go.id"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Pasar Kite Bise <noreply@pontianak.go.id>"),
        # The outbox page keeps a copy of every message; on by default only in development.
        "MAIL_KEEP_OUTBOX": _bool("MAIL_KEEP_OUTBOX", development),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "EMAIL_TOKEN_MAX_AGE": int(os.environ.get("EMAIL_TOKEN_MAX_AGE", str(2 * 24 * 3600))),
        "RESET_TOKEN_MAX_AGE": int(os.environ.get("RESET_TOKEN_MAX_AGE", str(3600))),
        "INVITE_TOKEN_MAX_AGE": int(os.environ.get("INVITE_TOKEN_MAX_AGE", str(7 * 24 * 3600))),
        # Account lockout after repeated failed log-ins (on top of the per-address rate limit).
        "LOCKOUT_THRESHOLD": int(os.environ.get("LOCKOUT_THRESHOLD", "10")),
        "LOCKOUT_MINUTES": int(os.environ.get("LOCKOUT_MINUTES", "15")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development and _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not development and _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        "MAX_IMAGE_MB": int(os.environ.get("MAX_IMAGE_MB", "5")),
        # Anonymous catalogue pages are cached per worker this long (seconds; 0 = off).
        "CATALOG_CACHE_SECONDS": _optional_float("CATALOG_CACHE_SECONDS"),
        "CATALOG_COUNT_TTL": _optional_float("CATALOG_COUNT_TTL"),
        # With REDIS_URL those caches live in Redis under this prefix (default <JOBS_QUEUE_PREFIX>:cache).
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX") or None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", os.path.join(instance_path, "uploads")),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Pontianak",
        "LANGUAGES": ["id", "en"],
        "TIMEZONE": "Asia/Pontianak",
        "SQLALCHEMY_RECORD_QUERIES": False,
        # Card payments (Stripe). Without a secret key the card method is not offered.
        # STRIPE_API_BASE unset = Stripe itself; set it to a local stand-in for tests/demos.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
        "PLATFORM_FEE_PERCENT": float(os.environ.get("PLATFORM_FEE_PERCENT", "0")),
        "CARD_PAYMENT_TIMEOUT_MINUTES": int(os.environ.get("CARD_PAYMENT_TIMEOUT_MINUTES", "30")),
        # Open contracting data: the ocid prefix registered with the OCDS helpdesk.
        "OCDS_OCID_PREFIX": os.environ.get("OCDS_OCID_PREFIX", "ocds-pkb000"),
    }


class ConfigError(RuntimeError):
    """Raised at start-up when a required setting is missing."""
