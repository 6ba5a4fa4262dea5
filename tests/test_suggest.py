"""Search as you type: products (from the search index, visible ones only), stores and
categories, with the search page's Indonesian stemming and prefix matching; JSON built for
textContent, bounded, rate limited; the search boxes carry the combobox script."""
import pytest

from app.extensions import db
from tests.conftest import make_app, release_app
from tests.helpers import page_text


@pytest.fixture
def catalogue(factories):
    drinks = factories.CategoryFactory(slug="minuman", name_id="Minuman", name_en="Drinks")
    store = factories.StoreFactory(verified=True, name="Kopi Aming")
    factories.ProductFactory(live=True, store=store, category=drinks, name="Kopi Bubuk Robusta", price=45000)
    factories.ProductFactory(live=True, store=store, category=drinks, name="Minuman Lidah Buaya", price=8000)
    factories.ProductFactory(store=store, category=drinks, name="Kopi Draf Rahasia")  # a draft: never suggested
    factories.StoreFactory(name="Kopi Belum Diverifikasi")
    return store


def _suggest(client, q):
    response = client.get("/cari/saran", query_string={"q": q})
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def _labels(data, group):
    for g in data["groups"]:
        if g["label"] == group:
            return [i["label"] for i in g["items"]]
    return []


def test_products_stores_and_categories_by_prefix_and_stem(client, catalogue):
    client.post("/language", data={"lang": "en", "next": "/"})
    data = _suggest(client, "kop")
    # Best first: the word in the name beats the store's name in the indexed text; no draft.
    assert _labels(data, "Products") == ["Kopi Bubuk Robusta", "Minuman Lidah Buaya"]
    assert _labels(data, "Stores") == ["Kopi Aming"]
    assert "1 suggestion" not in data["status"] and "suggestions" in data["status"]
    product = data["groups"][0]["items"][0]
    assert product["url"].startswith("/produk/") and product["detail"] == "Rp\u00a045.000"
    # The stem: "minuman" is indexed as "minum"; a category by its name in the reader's language.
    data = _suggest(client, "minum")
    assert _labels(data, "Products")[0] == "Minuman Lidah Buaya" and _labels(data, "Categories") == ["Drinks"]
    assert _labels(_suggest(client, "lidah bua"), "Products") == ["Minuman Lidah Buaya"]
    assert _suggest(client, "drinks")["groups"][-1]["items"][0]["url"] == "/katalog?category=minuman"


def test_nothing_for_punctuation_short_words_and_unknown(client, catalogue):
    assert _suggest(client, "")["groups"] == [] and _suggest(client, "")["status"] == ""
    for q in ['"*) OR NEAR(', "ko", "xyzzy", "-", "k" * 5000, "\x00kopi"]:
        data = _suggest(client, q)
        assert data["groups"] == [] or q == "\x00kopi", q
    assert len(_suggest(client, "k" * 5000)["query"]) == 200


def test_indonesian_by_default(client, catalogue):
    data = _suggest(client, "kop")
    assert [g["label"] for g in data["groups"]] == ["Produk", "Toko"] and "saran" in data["status"]


def test_the_search_boxes_load_the_combobox_script(client, catalogue):
    html = page_text(client.get("/katalog"))
    assert 'src="/static/js/suggest.js"' in html and 'data-endpoint="/cari/saran"' in html
    js = client.get("/static/js/suggest.js").get_data(as_text=True)
    # Built with textContent only (no server text read as HTML), the ARIA combobox attributes.
    assert "innerHTML" not in js and "aria-activedescendant" in js and 'setAttribute("role", "combobox")' in js


@pytest.fixture
def limited(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, RATELIMIT_ENABLED=True, RATELIMIT_SUGGEST="5 per minute")
    yield app
    release_app(app, pg_schema)


def test_rate_limited(limited):
    client = limited.test_client()
    statuses = [client.get("/cari/saran?q=kopi").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]


def test_queries_stay_few(app, client, catalogue):
    from tests.helpers import counting_statements

    _suggest(client, "kop")  # warm: the session's lookups and the store names
    with counting_statements() as statements:
        _suggest(client, "kopi")
    assert len(statements) <= 4, statements
    db.session.rollback()


@pytest.fixture
def cached(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, SUGGEST_CACHE_SECONDS=30)
    yield app
    release_app(app, pg_schema)


def test_a_suggestion_costs_few_statements_and_none_when_cached(cached):
    """Cached per (terms, language, day) and the catalogue's version: a hit runs no SQL; a
    product written (a commit) drops it, so the new name is suggested at once."""
    from app.models import Product
    from tests import factories as f
    from tests.helpers import counting_statements

    with cached.app_context():
        drinks = f.CategoryFactory(slug="minuman", name_id="Minuman", name_en="Drinks")
        store = f.StoreFactory(verified=True, name="Kopi Aming")
        product = f.ProductFactory(live=True, store=store, category=drinks, name="Kopi Bubuk Robusta", price=45000)
        db.session.commit()
        product_id = product.id
    client = cached.test_client()
    with cached.app_context():
        with counting_statements() as statements:
            first = _suggest(client, "kop")
        assert 1 <= len(statements) <= 4, statements
        with counting_statements() as statements:
            again = _suggest(client, "kop ")  # the same terms
        assert statements == [] and again["groups"] == first["groups"]
        db.session.get(Product, product_id).name = "Kopi Bubuk Arabika"
        db.session.commit()
        assert _labels(_suggest(client, "kop"), "Produk")[0] == "Kopi Bubuk Arabika"
        db.session.remove()


def test_the_name_index_matches_as_name_matches_does():
    from app.services import search
    from app.services.suggest import NameIndex, name_matches

    names = ["Kopi Aming", "Toko Kopiah Insang", "Minuman Lidah Buaya", "Kerajinan Rotan 12", "Tenun Corak Insang",
             "Kafé Equator", "Bunda 120"]
    index = NameIndex(((n, i), (n,)) for i, n in enumerate(names))
    for query in ["kop", "kopi", "insang", "ins", "minum", "lidah bua", "rajin", "kerajin", "12", "1", "kafe",
                  "bun 120", "corak tenun", "xyzzy", "ko"]:
        terms = search.query_terms(query)
        expected = [(n, i) for i, n in enumerate(names) if name_matches(terms, n)][:3]
        assert index.matching(terms, 3) == expected, query
