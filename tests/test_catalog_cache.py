"""The short page cache for anonymous visitors: each visitor gets their own CSRF
token, a commit shows at once, logged-in users are never served a shared page."""
import re

import pytest

from app.catalog.cache import CSRF_PLACEHOLDER
from app.extensions import db
from tests.conftest import empty_tables, make_app


@pytest.fixture
def cached_app(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, CATALOG_CACHE_SECONDS=60, CATALOG_COUNT_TTL=60, WTF_CSRF_ENABLED=True)
    yield app
    if pg_schema is not None:
        empty_tables(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def csrf_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_each_visitor_gets_their_own_working_csrf_token(cached_app):
    from tests import factories

    with cached_app.app_context():
        slug = factories.ProductFactory(live=True, name="Kopi Aming").slug
    first, second = cached_app.test_client(), cached_app.test_client()
    for url in ("/katalog", f"/produk/{slug}", "/"):
        html_a = first.get(url).get_data(as_text=True)
        html_b = second.get(url).get_data(as_text=True)
        assert CSRF_PLACEHOLDER not in html_a and CSRF_PLACEHOLDER not in html_b
        assert csrf_of(html_a) != csrf_of(html_b)
    response = second.post("/language", data={"lang": "en", "next": "/katalog", "csrf_token": csrf_of(html_b)})
    assert response.status_code == 302
    assert 'lang="en"' in second.get("/katalog").get_data(as_text=True)  # the language is part of the key
    assert 'lang="id"' in first.get("/katalog").get_data(as_text=True)


def test_a_commit_shows_at_once(cached_app):
    from tests import factories

    with cached_app.app_context():
        product = factories.ProductFactory(live=True, name="Syal Insang", price=150000)
        product_id, slug = product.id, product.slug
    client = cached_app.test_client()
    assert "Rp\u00a0150.000" in client.get(f"/produk/{slug}").get_data(as_text=True)
    assert "Rp\u00a0150.000" in client.get("/katalog").get_data(as_text=True)
    with cached_app.app_context():
        from app.models import Product

        db.session.get(Product, product_id).price = 175000
        db.session.commit()
    assert "Rp\u00a0175.000" in client.get(f"/produk/{slug}").get_data(as_text=True)
    assert "Rp\u00a0175.000" in client.get("/katalog").get_data(as_text=True)


def test_logged_in_users_are_not_served_the_shared_page(cached_app):
    from tests import factories
    from tests.conftest import PASSWORD

    with cached_app.app_context():
        factories.ProductFactory(live=True)
        buyer = factories.BuyerFactory(full_name="Budi Santoso")
        email = buyer.email
    anonymous = cached_app.test_client()
    assert "Budi Santoso" not in anonymous.get("/katalog").get_data(as_text=True)
    client = cached_app.test_client()
    token = csrf_of(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert "Budi Santoso" in client.get("/katalog").get_data(as_text=True)
    assert "Budi Santoso" not in anonymous.get("/katalog").get_data(as_text=True)
