"""Settings from the environment: safe defaults, clear refusal without SECRET_KEY."""
import re
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, from_environment, normalise_database_url

ENV_VARS = ["APP_ENV", "FLASK_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GOV_EMAIL_DOMAINS",
            "MAIL_SERVER", "MAIL_KEEP_OUTBOX", "SESSION_COOKIE_SECURE", "LOCKOUT_THRESHOLD", "LOCKOUT_MINUTES"]


@pytest.fixture
def env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_no_settings_means_development_on_sqlite_in_instance(env, tmp_path):
    cfg = from_environment(str(tmp_path))
    assert cfg["ENV_NAME"] == "development"
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/pasar.sqlite3"
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://" and cfg["REDIS_URL"] is None
    assert cfg["SECRET_KEY"] and cfg["MAIL_KEEP_OUTBOX"] is True
    assert cfg["GOV_EMAIL_DOMAINS"] == ["pontianak.go.id"]
    assert cfg["SESSION_COOKIE_SECURE"] is False
    assert cfg["SESSION_COOKIE_HTTPONLY"] and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert (cfg["LOCKOUT_THRESHOLD"], cfg["LOCKOUT_MINUTES"]) == (10, 15)


def test_production_without_secret_key_refuses_to_start_with_a_clear_message(env, tmp_path):
    env.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_production_with_secret_key_starts_with_secure_cookies_and_no_outbox_copy(env, tmp_path):
    env.setenv("APP_ENV", "production")
    env.setenv("SECRET_KEY", "k" * 48)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.config["SECRET_KEY"] == "k" * 48
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["MAIL_KEEP_OUTBOX"] is False and app.config["EMAIL_ALLOW_TEST_DOMAINS"] is False


@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@db:5432/pasar", "postgresql+psycopg://u:p@db:5432/pasar"),
    ("postgresql://u:p@db/pasar", "postgresql+psycopg://u:p@db/pasar"),
    ("postgresql+psycopg://u@db/pasar", "postgresql+psycopg://u@db/pasar"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_url_is_normalised_to_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_database_url_from_environment(env, tmp_path):
    env.setenv("DATABASE_URL", "postgres://pasar@db.internal/pasar")
    assert from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://pasar@db.internal/pasar"


def test_redis_url_sets_the_rate_limit_storage(env, tmp_path):
    env.setenv("REDIS_URL", "redis://cache:6379/0")
    cfg = from_environment(str(tmp_path))
    assert cfg["REDIS_URL"] == "redis://cache:6379/0"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


def test_gov_domains_and_lockout_from_environment(env, tmp_path):
    env.setenv("GOV_EMAIL_DOMAINS", "Pontianak.go.id, kalbarprov.go.id ,")
    env.setenv("LOCKOUT_THRESHOLD", "5")
    env.setenv("LOCKOUT_MINUTES", "30")
    cfg = from_environment(str(tmp_path))
    assert cfg["GOV_EMAIL_DOMAINS"] == ["pontianak.go.id", "kalbarprov.go.id"]
    assert (cfg["LOCKOUT_THRESHOLD"], cfg["LOCKOUT_MINUTES"]) == (5, 30)


def test_config_argument_overrides_the_environment(env, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "GOV_EMAIL_DOMAINS": ["a.go.id"]})
    assert app.config["GOV_EMAIL_DOMAINS"] == ["a.go.id"]


def test_env_example_lists_the_settings():
    import os

    from app import ROOT

    text = open(os.path.join(ROOT, ".env.example")).read()
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GOV_EMAIL_DOMAINS", "MAIL_SERVER"):
        assert name in text


ENVIRONMENT_READ = re.compile(r"""(?:environ\.get|environ\[|getenv)\(?\s*["']([A-Z][A-Z0-9_]+)""")
# Any read of a variable (a name or a string): passing the whole environment on to a
# subprocess (dict(os.environ), app/backup.py) is not a setting and stays allowed.
ANY_ENVIRONMENT_READ = re.compile(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(")
HELPER_READ = re.compile(r"""_(?:bool|list|optional_float|optional_bool)\(\s*["']([A-Z][A-Z0-9_]+)""")


def test_only_config_reads_the_environment_and_the_readme_lists_every_setting():
    from app import ROOT

    app_dir = Path(ROOT) / "app"
    elsewhere = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}" for path in sorted(app_dir.rglob("*.py"))
                 if path != app_dir / "config.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if ANY_ENVIRONMENT_READ.search(line)]
    assert not elsewhere, "read settings in app/config.py (from_environment), not here:\n" + "\n".join(elsewhere)
    config_source = (app_dir / "config.py").read_text(encoding="utf-8")
    names = set(ENVIRONMENT_READ.findall(config_source))
    names |= set(HELPER_READ.findall(config_source))
    readme = (Path(ROOT) / "README.md").read_text(encoding="utf-8")
    unlisted = sorted(name for name in names if f"`{name}`" not in readme)
    assert len(names) > 40 and not unlisted, f"give these settings a line in the README's table: {unlisted}"


@pytest.mark.parametrize("name, value, key, expected", [
    ("STORAGE_BACKEND", "s3", "STORAGE_BACKEND", "s3"),
    ("S3_PREFIX", "pasar/", "S3_PREFIX", "pasar/"),
    ("JOBS_QUEUE_PREFIX", "pasar2", "JOBS_QUEUE_PREFIX", "pasar2"),
    ("JOBS_TIMEOUT", "120", "JOBS_TIMEOUT", 120),
    ("LOG_REQUESTS", "off", "LOG_REQUESTS", False),
    ("LOG_JSON", "true", "LOG_JSON", True),
    ("METRICS_TOKEN", "scrape-me", "METRICS_TOKEN", "scrape-me"),
    ("METRICS_ALLOW_LOCAL", "yes", "METRICS_ALLOW_LOCAL", True),
    ("TRUSTED_PROXIES", "2", "TRUSTED_PROXIES", "2"),
])
def test_operational_settings_come_from_the_environment(env, tmp_path, name, value, key, expected):
    env.delenv(name, raising=False)
    assert from_environment(str(tmp_path))[key] != expected
    env.setenv(name, value)
    assert from_environment(str(tmp_path))[key] == expected
