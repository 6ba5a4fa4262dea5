"""Security: CSRF, rate limits, role checks, open redirects, cookies, headers, error pages."""
import pytest
from werkzeug.exceptions import InternalServerError

from app.extensions import db
from app.models import Department, User
from tests.conftest import PASSWORD, empty_tables, make_app, outbox
from tests.helpers import count, page_text

JSON = {"Accept": "application/json"}


@pytest.fixture
def make(tmp_path, pg_schema):
    """Build an app with extra settings (CSRF on, rate limits on, ...)."""
    made = []

    def build(**overrides):
        path = tmp_path / f"app{len(made)}"
        path.mkdir()
        app = make_app(path, pg_schema, **overrides)
        made.append(app)
        return app

    yield build
    for app in made:
        if pg_schema is not None:
            empty_tables(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _en(client):
    """English for this browser (set in the session directly: works with CSRF on too)."""
    with client.session_transaction() as session:
        session["locale"] = "en"


# --- CSRF ---------------------------------------------------------------------------------

def test_form_without_csrf_token_is_refused_with_a_message(make):
    app = make(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    _en(client)
    response = client.post("/auth/register", data={"role": "seller", "full_name": "Aming", "email": "a@umkm.test",
                                                   "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert "Your form expired or was sent from elsewhere" in page_text(response)
    assert count(app, User) == 0


def test_csrf_failure_answers_json_to_json_clients(make):
    app = make(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    _en(client)
    response = client.post("/auth/login", data={"email": "a@umkm.test", "password": "x"}, headers=JSON)
    assert response.status_code == 400 and response.is_json
    assert response.json["status"] == 400 and "form expired" in response.json["message"]


def test_form_with_the_token_from_the_page_is_accepted(make):
    import re

    app = make(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = page_text(client.get("/auth/register"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/auth/register", data={"csrf_token": token, "role": "seller", "full_name": "Aming",
                                                   "email": "a@umkm.test", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and count(app, User) == 1


def test_logout_without_csrf_token_keeps_the_user_logged_in(make):
    app = make(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests import factories

        factories.SellerFactory(email="s@umkm.test")
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD})
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/account/").status_code == 200


# --- rate limits ------------------------------------------------------------------------------

def test_login_is_rate_limited(make):
    app = make(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    _en(client)
    for _ in range(3):
        assert client.post("/auth/login", data={"email": "a@umkm.test", "password": "wrong-pass-1"}).status_code == 401
    response = client.post("/auth/login", data={"email": "a@umkm.test", "password": "wrong-pass-1"})
    assert response.status_code == 429
    assert "Too many attempts. Wait a moment and try again." in page_text(response)
    assert client.get("/auth/login").status_code == 200  # only POSTs count
    assert client.post("/auth/login", data={}, headers=JSON).json["status"] == 429


def test_password_reset_is_rate_limited(make):
    app = make(RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/auth/forgot", data={"email": "a@umkm.test"}).status_code == 302
    assert client.post("/auth/forgot", data={"email": "a@umkm.test"}).status_code == 429
    for _ in range(2):
        assert client.post("/auth/reset/some-token", data={"password": "x"}).status_code == 400
    assert client.post("/auth/reset/some-token", data={"password": "x"}).status_code == 429


def test_a_limited_view_still_tells_its_limit_and_others_skip_the_limiter(make):
    """Flask-Limiter's after-request and teardown hooks are skipped only for views without a
    limit: a limited view's answers still carry its limit, and its count is kept per request."""
    app = make(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    first = client.post("/auth/login", data={"email": "a@umkm.test", "password": "wrong-pass-1"})
    assert first.headers["X-RateLimit-Limit"] == "3" and first.headers["X-RateLimit-Remaining"] == "2"
    healthz = client.get("/healthz")
    assert healthz.status_code == 200 and "X-RateLimit-Limit" not in healthz.headers
    second = client.post("/auth/login", data={"email": "a@umkm.test", "password": "wrong-pass-1"})
    assert second.headers["X-RateLimit-Remaining"] == "1"  # nothing of the first was left behind
    hooks = [getattr(f, "__qualname__", "") for f in app.after_request_funcs[None] + app.teardown_request_funcs[None]]
    assert sum(".hook" in name and "_only_where_limited" in name for name in hooks) == 2


def test_rate_limits_use_memory_storage_by_default(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


# --- roles --------------------------------------------------------------------------------------

def _sample_value(converter):
    """A value the URL converter accepts (the role check runs before the object is looked up)."""
    for value in ("1", "x", "00000000-0000-0000-0000-000000000001"):
        try:
            return converter.to_python(value)
        except Exception:  # noqa: BLE001, S112 - try the next kind of value
            continue
    return "x"


def _protected_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        if roles and "GET" in rule.methods:
            args = {name: _sample_value(conv) for name, conv in rule._converters.items()}
            rules.append((rule.endpoint, roles, args))
    return rules


def test_every_role_protected_page_redirects_anonymous_and_forbids_other_roles(app, factories):
    from app.models import ROLES

    users = {role: getattr(factories, f"{role.capitalize()}Factory")().email for role in ROLES}
    with app.test_request_context():
        from flask import url_for

        pages = [(url_for(endpoint, **args), roles) for endpoint, roles, args in _protected_rules(app)]
    assert any(url == "/admin/" for url, _ in pages)
    anonymous = app.test_client()
    clients = {}
    for role, email in users.items():
        clients[role] = app.test_client()
        clients[role].post("/auth/login", data={"email": email, "password": PASSWORD})
    for url, roles in pages:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/auth/login?next=" in response.location, url
        for role, client in clients.items():
            if role not in roles:
                assert client.get(url).status_code == 403, (url, role)


@pytest.mark.parametrize("url", ["/admin/", "/admin/outbox", "/admin/invitations", "/admin/users"])
def test_admin_pages_are_for_admins(app, client, auth, factories, url):
    factories.BuyerFactory(email="b@pontianak.go.id")
    factories.AdminFactory(email="a@pontianak.go.id")
    assert client.get(url).location.startswith("/auth/login?next=")
    auth.login("b@pontianak.go.id")
    _en(client)
    response = client.get(url)
    assert response.status_code == 403 and "You do not have permission to open this page." in page_text(response)
    assert client.get(url, headers=JSON).json == {
        "error": "No access", "message": "You do not have permission to open this page.", "status": 403}
    auth.logout()
    auth.login("a@pontianak.go.id")
    assert client.get(url).status_code == 200


def test_account_pages_need_login(client):
    for url in ("/account/", "/account/profile", "/account/password"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/auth/login?next=")


# --- next: local paths only --------------------------------------------------------------------

EVIL = ["//evil.test", "https://evil.test/", "/\\evil.test", "\\\\evil.test", "http:/evil.test",
        "javascript:alert(1)", "/\t/evil.test", " //evil.test", "evil.test"]


@pytest.mark.parametrize("target", EVIL)
def test_login_next_never_leaves_the_site(client, auth, factories, target):
    factories.SellerFactory(email="s@umkm.test")
    response = auth.login("s@umkm.test", next=target)
    assert response.status_code == 302 and response.location == "/"


@pytest.mark.parametrize("target", EVIL)
def test_language_next_never_leaves_the_site(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.location == "/"


def test_next_to_a_local_path_is_kept(client, auth, factories):
    factories.SellerFactory(email="s@umkm.test")
    assert auth.login("s@umkm.test", next="/account/profile?tab=1").location == "/account/profile?tab=1"


def test_safe_next_unit(app):
    from app.web import safe_next

    with app.test_request_context():
        assert safe_next("/a/b") == "/a/b"
        assert safe_next(None) == "/"
        assert all(safe_next(t) == "/" for t in EVIL)


# --- cookies ---------------------------------------------------------------------------------------

def _login_cookies(app, remember=True):
    with app.app_context():
        from tests import factories

        factories.SellerFactory(email="s@pontianak.go.id")
    response = app.test_client().post("/auth/login", data={"email": "s@pontianak.go.id", "password": PASSWORD,
                                                             "remember": "y" if remember else ""})
    return {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}


def test_session_cookie_is_httponly_and_samesite_lax(app):
    cookies = _login_cookies(app)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
        assert "Secure" not in cookies[name]  # development serves plain http on 127.0.0.1


def test_cookies_are_secure_outside_development(monkeypatch, make):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = make()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    cookies = _login_cookies(app)
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
    assert "max-age" in app.test_client().get("/").headers["Strict-Transport-Security"]


# --- headers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/auth/login", "/static/css/app.css", "/no/such/page", "/healthz",
                                 "/account/"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(client):
    import re

    html = page_text(client.get("/auth/register"))
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


# --- error pages ----------------------------------------------------------------------------------------

@pytest.fixture
def boom(app):
    """A page that writes a row and then fails, to check the 500 page and the rollback."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode():
        db.session.add(Department(code="HALF", name="Half written"))
        db.session.flush()
        raise RuntimeError("boom")

    def bad_request():
        from flask import abort

        abort(400)

    app.add_url_rule("/boom", "boom", explode)
    app.add_url_rule("/bad", "bad", bad_request)
    return app


@pytest.mark.parametrize("url, status, text", [
    ("/bad", 400, "The request could not be understood"),
    ("/admin/", 403, "You do not have permission"),
    ("/no/such/page", 404, "does not exist"),
    ("/boom", 500, "Something went wrong on our side"),
])
def test_error_pages_in_html_and_json(boom, client, auth, url, status, text):
    from tests import factories

    with boom.app_context():
        factories.SellerFactory(email="s@umkm.test")
    auth.login("s@umkm.test")
    _en(client)
    response = client.get(url)
    assert response.status_code == status and response.mimetype == "text/html"
    assert text in page_text(response) and f">{status}<" in page_text(response)
    response = client.get(url, headers=JSON)
    assert response.status_code == status and response.is_json
    assert response.json["status"] == status and text in response.json["message"]
    assert count(boom, Department) == 0  # nothing half-written


def test_429_page_in_html(make):
    app = make(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="1 per minute")
    client = app.test_client()
    client.post("/auth/login", data={})
    response = client.post("/auth/login", data={})
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert 'lang="id"' in page_text(response)


def test_browsers_get_html_even_if_they_also_accept_json(client):
    response = client.get("/nope", headers={"Accept": "text/html,application/json;q=0.9,*/*;q=0.8"})
    assert response.mimetype == "text/html"


def test_500_handler_itself_answers(app):
    from app.errors.handlers import error_response

    with app.test_request_context(headers=JSON):
        response, status = error_response(500)
        assert status == 500 and response.json["status"] == 500
    assert issubclass(InternalServerError, Exception)


# --- request bodies the error pages must not read (issue 14) -----------------------------------

def _logged_in_seller(app, client):
    with app.app_context():
        from tests import factories

        factories.SellerFactory(email="s@umkm.test")
    client.post("/auth/login", data={"email": "s@umkm.test", "password": PASSWORD})
    _en(client)


@pytest.mark.parametrize("logged_in", [False, True])
def test_an_oversized_upload_is_a_413_page_for_everyone(make, logged_in):
    """The page's layout (the log-out button among it) never parses the body it is refusing."""
    app = make(MAX_CONTENT_LENGTH=1024, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    if logged_in:
        _logged_in_seller(app, client)
    else:
        _en(client)
    app.config["WTF_CSRF_ENABLED"] = True  # the token check is the first to read the body
    response = client.post("/seller/documents", data=b"a=" + b"x" * 4096,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "The file is too large." in page_text(response)
    assert ("Log out" in page_text(response)) is logged_in


def test_the_500_page_renders_for_a_logged_in_user_whatever_the_body(boom, client, auth):
    from tests import factories

    boom.add_url_rule("/boom-post", "boom_post", lambda: 1 / 0, methods=["POST"])
    with boom.app_context():
        factories.SellerFactory(email="s@umkm.test")
    auth.login("s@umkm.test")
    _en(client)
    response = client.post("/boom-post", data='{"a": [', content_type="application/json")
    assert response.status_code == 500 and "Something went wrong on our side" in page_text(response)


# --- ids beyond the database's range (issue 14) --------------------------------------------------------

@pytest.mark.parametrize("url", ["/orders/2147483648", "/orders/2147483648/receipt",
                                 "/department/orders/9223372036854775808", "/pay/checkout/99999999999999999999",
                                 "/programme/documents/2147483648/file", "/orders/%D9%A3", "/orders/0",
                                 "/produk/kopi%00aming", "/toko/a%00", "/media/public/a%00.png"])
def test_ids_no_row_can_have_are_404_before_the_database(client, auth, factories, url):
    factories.BuyerFactory(email="b@pontianak.go.id")
    auth.login("b@pontianak.go.id")
    assert client.get(url).status_code == 404


def test_the_largest_id_a_row_can_have_still_reaches_the_route(client, auth, factories):
    factories.AdminFactory(email="a@pontianak.go.id")
    factories.DepartmentFactory(id=2**31 - 1, name="Dinas Terakhir")
    auth.login("a@pontianak.go.id")
    response = client.get("/admin/departments/2147483647")
    assert response.status_code == 200 and "Dinas Terakhir" in page_text(response)


def test_ids_in_query_strings_and_forms_are_bounded_too(client, auth, factories):
    from app.models import AuditEntry

    factories.AdminFactory(email="a@pontianak.go.id")
    db.session.add(AuditEntry(actor_id=None, action="system.tick", object_type="job", object_id=None))
    db.session.commit()
    auth.login("a@pontianak.go.id")
    _en(client)
    for actor in ("2147483648", "99999999999999999999"):
        response = client.get("/admin/audit/", query_string={"actor": actor})
        # a number no user can have matches nobody (not the system's own entries)
        assert response.status_code == 200 and "0 entries." in page_text(response), actor
    response = client.get("/admin/audit/", query_string={"object_id": "9223372036854775808"})
    assert response.status_code == 200 and "0 entries." in page_text(response)
    assert client.get("/mentor/", query_string={"mentor": "9223372036854775808"}).status_code == 200
    assert client.get("/admin/users", query_string={"page": "9" * 30}).status_code == 200
    store = factories.StoreFactory(name="Toko Batas")
    category = factories.CategoryFactory()
    for huge in ("2147483648", "9223372036854775808"):
        assert client.post(f"/programme/stores/{store.id}/mentor", data={"mentor_id": huge}).status_code == 400
        response = client.post(f"/programme/categories/{category.id}",
                               data={"name_id": "Kain", "name_en": "Cloth", "slug": "kain", "parent_id": huge})
        # the form comes back with the field marked, as for any choice not on the list
        assert response.status_code == 400 and 'id="parent_id-error"' in page_text(response), huge
    for batch_id in ("9223372036854775808", "654321"):  # beyond the column; no such batch
        response = client.post("/finance/payouts/record/2147483647", data={"transfer_reference": "",
                                                                           "batch_id": batch_id})
        assert response.status_code == 422, batch_id


# --- smaller items of issue 14 --------------------------------------------------------------------------

def test_document_verification_is_rate_limited(make):
    app = make(RATELIMIT_ENABLED=True, RATELIMIT_VERIFY="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert client.get("/verifikasi/ABCDEFGHJK").status_code == 404
    assert client.get("/verifikasi/ABCDEFGHJK").status_code == 429


def test_personal_pages_are_not_kept_by_caches(client, auth, factories):
    factories.BuyerFactory(email="b@pontianak.go.id")
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")  # anonymous: cacheable
    auth.login("b@pontianak.go.id")
    for url in ("/orders/", "/account/", "/cart/", "/"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store", url
    # what a view marks as cacheable stays so (photos, the stylesheet)
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")
    assert client.get("/robots.txt").headers["Cache-Control"].startswith("public")


def test_a_valid_token_from_a_foreign_origin_is_refused(make):
    import re

    app = make(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests import factories

        factories.SellerFactory(email="s@umkm.test")
    client = app.test_client()
    _en(client)
    html = page_text(client.get("/auth/forgot"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "email": "s@umkm.test"}
    for origin in ("http://evil.example", "null", "https://localhost"):
        response = client.post("/auth/forgot", data=data, headers={"Origin": origin})
        assert response.status_code == 400, origin
        assert "Your form expired or was sent from elsewhere" in page_text(response)
    assert outbox(app, to="s@umkm.test") == []  # no reset link went out
    assert client.post("/auth/forgot", data=data, headers={"Origin": "http://localhost"}).status_code == 302
    assert len(outbox(app, to="s@umkm.test")) == 1
    assert client.post("/auth/forgot", data=data).status_code == 302  # no Origin: the token decides


def test_the_payout_file_neutralises_every_cell_a_spreadsheet_would_read_as_a_formula():
    from app.services.exports import spreadsheet_safe

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"):
        assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_safe("Bank Kalbar") == "Bank Kalbar"
