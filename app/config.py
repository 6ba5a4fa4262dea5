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


def _optional_bool(name):
    """None when unset: the caller decides the default from other settings."""
    value = os.environ.get(name)
    return value.strip().lower() in {"1", "true", "yes", "on"} if value else None


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


def instance_path(default):
    """The folder of the SQLite database and the uploads (``INSTANCE_PATH``); read before
    the other settings, whose defaults live in it."""
    return os.environ.get("INSTANCE_PATH") or default


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
        # No pool_pre_ping: app.pool_check pings a pooled connection only after it sat idle this long.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "DATABASE_PING_IDLE_SECONDS": _optional_float("DATABASE_PING_IDLE_SECONDS"),
        # With REDIS_URL: how long a process trusts the signed-in user it kept (app.services.signed_in_cache).
        "SIGNED_IN_CACHE_SECONDS": _optional_float("SIGNED_IN_CACHE_SECONDS"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour"),
        "RATELIMIT_RESET": os.environ.get("RATELIMIT_RESET", "5 per minute;20 per hour"),
        # Public document checks (/verifikasi/<code>): a person types a code or scans one.
        "RATELIMIT_VERIFY": os.environ.get("RATELIMIT_VERIFY", "20 per minute;200 per hour"),
        # The reserved .test domain (demo accounts) is accepted outside production only.
        # Search as you type (/cari/saran): a person types a few letters a second.
        "RATELIMIT_SUGGEST": os.environ.get("RATELIMIT_SUGGEST", "120 per minute;2000 per hour"),
        # Bulk upload of products (XLSX): refused above this size (before it is parsed) and row count.
        "BULK_UPLOAD_MAX_MB": int(os.environ.get("BULK_UPLOAD_MAX_MB", "2")),
        "BULK_UPLOAD_MAX_ROWS": int(os.environ.get("BULK_UPLOAD_MAX_ROWS", "2000")),
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
        # A signed-in session unused this long has ended (as long as a remember-me cookie lasts).
        "SESSION_IDLE_DAYS": int(os.environ.get("SESSION_IDLE_DAYS", "30")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development and _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not development and _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        "MAX_IMAGE_MB": int(os.environ.get("MAX_IMAGE_MB", "5")),
        # Memory one picture may take while it is decoded and resized (checked from its header
        # first: a 170 KB PNG can decode to 160 MB). Each web worker handles one at a time.
        "IMAGE_DECODE_BUDGET_MB": int(os.environ.get("IMAGE_DECODE_BUDGET_MB", "64")),
        # The most a department may pay from petty cash (UP: card or treasurer) per order; the
        # default is the UP limit per payee of PMK 190/2012 (README, tax table).
        "DEPARTMENT_UP_CAP": int(os.environ.get("DEPARTMENT_UP_CAP", "50000000")),
        # At most this many in stock is shown to buyers as "low stock" (and on the seller's dashboard).
        "LOW_STOCK_THRESHOLD": int(os.environ.get("LOW_STOCK_THRESHOLD", "5")),
        # Anonymous catalogue pages are cached per worker this long (seconds; 0 = off).
        "CATALOG_CACHE_SECONDS": _optional_float("CATALOG_CACHE_SECONDS"),
        "CATALOG_COUNT_TTL": _optional_float("CATALOG_COUNT_TTL"),
        # Search-as-you-type answers (services.suggest); None: 30 s, off in tests.
        "SUGGEST_CACHE_SECONDS": _optional_float("SUGGEST_CACHE_SECONDS"),
        "CATALOG_FRAGMENT_SECONDS": _optional_float("CATALOG_FRAGMENT_SECONDS"),
        # With REDIS_URL those caches live in Redis under this prefix (default <JOBS_QUEUE_PREFIX>:cache).
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX") or None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", os.path.join(instance_path, "uploads")),
        # Uploads in an S3-compatible bucket instead (app/storage.py); unset S3 keys let boto3
        # use the machine's role or ~/.aws.
        "STORAGE_BACKEND": os.environ.get("STORAGE_BACKEND") or "local",
        "S3_BUCKET": os.environ.get("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
        "S3_REGION": os.environ.get("S3_REGION") or None,
        "S3_PREFIX": os.environ.get("S3_PREFIX") or "",
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
        # After the order (issue 18): working days a store has to accept or decline a placed
        # order, the reminder before that, quote rounds and validity, the rating flag.
        "ORDER_ANSWER_DAYS_DEPARTMENT": int(os.environ.get("ORDER_ANSWER_DAYS_DEPARTMENT", "3")),
        "ORDER_ANSWER_DAYS_PERSONAL": int(os.environ.get("ORDER_ANSWER_DAYS_PERSONAL", "1")),
        "ORDER_ANSWER_REMINDER_HOURS": int(os.environ.get("ORDER_ANSWER_REMINDER_HOURS", "12")),
        "QUOTE_MAX_ROUNDS": int(os.environ.get("QUOTE_MAX_ROUNDS", "3")),
        "QUOTE_OFFER_VALID_DAYS": int(os.environ.get("QUOTE_OFFER_VALID_DAYS", "7")),
        "STORE_RATING_FLAG_BELOW": float(os.environ.get("STORE_RATING_FLAG_BELOW", "2.5")),
        # Open contracting data: the ocid prefix registered with the OCDS helpdesk.
        "OCDS_OCID_PREFIX": os.environ.get("OCDS_OCID_PREFIX", "ocds-pkb000"),
        # Background jobs (app/jobs): the prefix lets several apps share one Redis.
        "JOBS_QUEUE_PREFIX": os.environ.get("JOBS_QUEUE_PREFIX") or "pkb",
        "JOBS_TIMEOUT": int(os.environ.get("JOBS_TIMEOUT", "600")),
        # Without REDIS_URL: a request's background jobs (PDFs, e-mails) run on a thread after
        # the response ("thread"), or before it ("inline", what the tests use).
        "JOBS_IN_PROCESS": os.environ.get("JOBS_IN_PROCESS", "thread").strip().lower(),
        # Logs and metrics (app/observability.py). LOG_JSON unset: decided there from the final
        # ENV_NAME (on outside development and tests), which a test's config may still change.
        "LOG_REQUESTS": _bool("LOG_REQUESTS", True),
        "LOG_JSON": _optional_bool("LOG_JSON"),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "METRICS_ALLOW_LOCAL": _bool("METRICS_ALLOW_LOCAL", False),
        # prometheus_client reads it too; the app asks it only to add up the workers' numbers.
        "PROMETHEUS_MULTIPROC_DIR": os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
        # Reverse proxies whose X-Forwarded-* headers count; apply_proxy_fix checks it is a number.
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES") or "0",
    }


class ConfigError(RuntimeError):
    """Raised at start-up when a required setting is missing."""
