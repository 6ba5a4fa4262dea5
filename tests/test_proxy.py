"""Behind a reverse proxy: X-Forwarded-* count only with TRUSTED_PROXIES set."""
import pytest
from flask import request

from app.config import ConfigError
from tests.conftest import make_app

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "pasar.example.id"}


def _seen(app):
    @app.route("/_seen")
    def seen():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app.test_client().get("/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json


def test_forwarded_headers_are_ignored_by_default(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema)
    assert app.config["TRUSTED_PROXIES"] == 0
    assert _seen(app) == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_one_trusted_proxy_gives_the_client_address_scheme_and_host(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, TRUSTED_PROXIES="1")
    assert _seen(app) == {"addr": "203.0.113.7", "scheme": "https", "host": "pasar.example.id"}


def test_trusted_proxies_from_the_environment(tmp_path, pg_schema, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    assert make_app(tmp_path, pg_schema).config["TRUSTED_PROXIES"] == 1


def test_trusted_proxies_must_be_a_number(tmp_path, pg_schema):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        make_app(tmp_path, pg_schema, TRUSTED_PROXIES="yes")
