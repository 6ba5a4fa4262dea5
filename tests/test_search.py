"""Catalogue search as buyers type it on a phone: words begun but not finished, words in
any order, a word that matches nothing; hostile input never reaches the full-text syntax
of either database. Every test runs on SQLite (FTS5) and, with TEST_DATABASE_URL, on
PostgreSQL (tsvector) and expects the same products in the same order."""
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import clock
from app.extensions import db
from app.services import catalog, search
from tests.conftest import empty_tables, make_app


def live(factories, name, **kwargs):
    return factories.ProductFactory(live=True, name=name, description=kwargs.pop("description", "Buatan lokal."),
                                    **kwargs)


@pytest.fixture
def client(app):
    """A visitor who reads English (the default is Indonesian), so the texts checked stay
    the same when the Indonesian catalogue gains them."""
    client = app.test_client()
    english(client)
    return client


def english(client):
    assert client.post("/language", data={"lang": "en", "next": "/katalog"}).status_code == 302


def html_of(client, q, **args):
    response = client.get("/katalog", query_string={"q": q, **args})
    assert response.status_code == 200, (q, response.status_code)
    return response.get_data(as_text=True)


def shown(html, *names):
    """The ``names`` found on the page, in the order the page shows them."""
    return sorted((n for n in names if n in html), key=html.index)


SOME_WORDS = "showing products matching some of the words"


# ---------------------------------------------------------------- the terms

def test_query_terms_prefix_rules():
    terms = search.query_terms("Kop tenun INSA ke 250 minuman Kopi kop")
    assert terms == [
        search.Term("kop", "kop", True),
        search.Term("tenun", "tenun", True),
        search.Term("insa", "insa", True),
        search.Term("ke", "ke", False),  # 1-2 letters: whole word only
        search.Term("250", "250", False),  # numbers: whole only (250 is not 2500)
        search.Term("minum", "minuman", True),  # stem matched whole, the word as typed as a prefix
        search.Term("kopi", "kopi", True),
    ]  # "kop" once


@pytest.mark.parametrize("query", [
    '"kopi"*', "kopi* NEAR(teh, 2)", "title:kopi", "-kopi", "kopi & teh | !jahe", "(kopi)", "kopi:*",
    "'kopi' OR 'teh'", "^kopi", "{title body}:kopi", "kopi AND NOT teh", "a\x00b", "kopi\\",
])
def test_operators_in_the_query_are_only_separators(query):
    for term in search.query_terms(query):
        assert re.fullmatch(r"[0-9a-z]+", term.stem) and re.fullmatch(r"[0-9a-z]+", term.word)
        assert re.fullmatch(r'"[0-9a-z]+"|\("[0-9a-z]+" OR "[0-9a-z]+"\*\)', search.fts5_expression(term))
        assert re.fullmatch(r"[0-9a-z]+|\([0-9a-z]+ \| [0-9a-z]+:\*\)", search.tsquery_expression(term))
        assert all(re.fullmatch(r"[0-9a-z]+(:\*)?", a) for a in search.tsquery_alternatives(term))


def test_an_unsafe_word_never_reaches_an_expression():
    with pytest.raises(ValueError):
        search.fts5_expression(search.Term('kopi" OR "teh', "kopi", False))
    with pytest.raises(ValueError):
        search.tsquery_expression(search.Term("kopi", "kopi | teh", True))


# ---------------------------------------------------------------- words begun

def test_words_begun_find_the_product(client, factories):
    live(factories, "Kopi Bubuk Aming")
    live(factories, "Kain Tenun Corak Insang")
    live(factories, "Amplang Ikan Tenggiri")
    minuman = factories.CategoryFactory(name_id="Minuman", name_en="Drinks")
    live(factories, "Sari Lidah Buaya", category=minuman)
    assert shown(html_of(client, "kop"), "Kopi Bubuk Aming") == ["Kopi Bubuk Aming"]
    html = html_of(client, "tenun insa")
    assert "Kain Tenun Corak Insang" in html and "Kopi Bubuk Aming" not in html and SOME_WORDS not in html
    assert "Kain Tenun Corak Insang" in html_of(client, "TEN INS")  # every word, not only the last
    assert "Amplang Ikan Tenggiri" in html_of(client, "amplang tengg")
    assert "Amplang Ikan Tenggiri" in html_of(client, "ampl")
    # "minu" is a prefix of the indexed stem "minum" (the stemmer would turn "minu" into "mu").
    assert "Sari Lidah Buaya" in html_of(client, "minu")
    assert "Sari Lidah Buaya" in html_of(client, "minuman")


def test_a_whole_word_ranks_above_a_word_it_begins(client, factories):
    cap = live(factories, "Kopiah Rajut Hitam")
    live(factories, "Kopi Liberika Sangrai")
    html = html_of(client, "kopi")
    assert shown(html, "Kopiah Rajut Hitam", "Kopi Liberika Sangrai") == ["Kopi Liberika Sangrai", "Kopiah Rajut Hitam"]
    cap.name = "Topi Rajut Hitam"  # the cap renamed: "kopi" no longer begins any of its words
    db.session.commit()
    assert "Topi Rajut Hitam" not in html_of(client, "kopi")


def test_short_words_and_numbers_match_whole_only(client, factories):
    live(factories, "Kerupuk Basah Kapuas", description="Kemasan 2500 gram.")
    assert "Kerupuk Basah Kapuas" not in html_of(client, "ke")
    assert "Kerupuk Basah Kapuas" not in html_of(client, "250")
    assert "Kerupuk Basah Kapuas" in html_of(client, "2500")
    assert "Kerupuk Basah Kapuas" in html_of(client, "ker")


# ---------------------------------------------------------------- some of the words

def test_no_product_with_every_word_shows_those_with_most_words_and_says_so(client, factories):
    live(factories, "Kopi Jahe Merah")
    live(factories, "Teh Serai Wangi")
    live(factories, "Kerupuk Basah Kapuas")
    html = html_of(client, "kopi teh jahe")
    assert SOME_WORDS in html and "No products match all of “kopi teh jahe”" in html
    assert shown(html, "Teh Serai Wangi", "Kopi Jahe Merah") == ["Kopi Jahe Merah", "Teh Serai Wangi"]
    assert "Kerupuk Basah Kapuas" not in html
    assert "1–2 of 2" in html
    assert '<option value="relevance" selected>' in html


def test_every_word_found_means_no_fallback(client, factories):
    live(factories, "Kopi Jahe Merah")
    live(factories, "Teh Serai Wangi")
    html = html_of(client, "kopi jahe")
    assert shown(html, "Kopi Jahe Merah", "Teh Serai Wangi") == ["Kopi Jahe Merah"]
    assert SOME_WORDS not in html


def test_fallback_keeps_the_filters_and_one_word_never_falls_back(client, factories):
    live(factories, "Kopi Jahe Merah", price=30000)
    live(factories, "Teh Serai Wangi", price=90000)
    html = html_of(client, "kopi teh zzz", max_price="50000")
    assert SOME_WORDS in html and shown(html, "Kopi Jahe Merah", "Teh Serai Wangi") == ["Kopi Jahe Merah"]
    html = html_of(client, "teh zzz", max_price="50000")  # "teh" exists, but not under this price
    assert SOME_WORDS not in html and "Nothing found" in html
    html = html_of(client, "zzzz")
    assert SOME_WORDS not in html and "Nothing found" in html


def test_fallback_notice_escapes_the_query(client, factories):
    live(factories, "Kopi Jahe Merah")
    html = html_of(client, "<b>kopi</b> zzz")
    assert SOME_WORDS in html
    assert "<b>kopi</b>" not in html and "&lt;b&gt;kopi&lt;/b&gt; zzz" in html


def test_fallback_follows_the_chosen_sort(client, factories):
    live(factories, "Kopi Jahe Merah", price=30000)
    live(factories, "Teh Serai Wangi", price=10000)
    html = html_of(client, "kopi teh jahe", sort="price_asc")
    assert SOME_WORDS in html
    assert shown(html, "Teh Serai Wangi", "Kopi Jahe Merah") == ["Teh Serai Wangi", "Kopi Jahe Merah"]


def test_search_service_the_same_terms_and_order_on_both_databases(app_ctx, factories):
    """The order comes from how many words match, then whole words over begun ones, then
    the name over the description: the same on FTS5 and on PostgreSQL."""
    live(factories, "Kopi Bubuk Khatulistiwa")
    live(factories, "Kopiah Bubuk", description="Bukan kopi.")
    live(factories, "Gula Aren", description="Cocok untuk kopi bubuk.")
    live(factories, "Teh Serai")
    result = catalog.browse(catalog.parse_filters({"q": "kopi bubu"}), clock.today())
    assert [c.name for c in result.page.items] == ["Kopi Bubuk Khatulistiwa", "Kopiah Bubuk", "Gula Aren"]
    assert not result.partial
    result = catalog.browse(catalog.parse_filters({"q": "kopi serai"}), clock.today())
    assert result.partial  # one word each: all of them, ordered by relevance
    assert {c.name for c in result.page.items} == {"Kopi Bubuk Khatulistiwa", "Kopiah Bubuk", "Gula Aren", "Teh Serai"}


# ---------------------------------------------------------------- never an error

HOSTILE = st.lists(st.sampled_from([
    '"', "'", "*", "-", "+", "NEAR", "NEAR(", "OR", "AND", "NOT", ":", "&", "|", "!", "(", ")", "^", "{", "}",
    "\\", "%", "_", ":*", "kopi", "kop", "k", " ", "\x00", "é", "İ", "ß", "٣", "²", "😀", "<script>",
]), max_size=20).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(st.text(max_size=300), HOSTILE))
def test_search_never_raises_and_returns_a_list(app_ctx, factories, query):
    if not db.session.execute(db.text("SELECT 1 FROM products LIMIT 1")).first():
        live(factories, "Kopi Pontianak")
    bind = db.session.get_bind()
    terms = search.query_terms(query)
    for every in (True, False):
        matches = search.match_subquery(bind, terms, every=every)
        if matches is not None:
            rows = db.session.execute(db.select(matches.c.product_id, matches.c.score)).all()
            assert isinstance(rows, list)
    result = catalog.browse(catalog.parse_filters({"q": query}), clock.today())
    assert isinstance(result.page.items, list)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(st.text(max_size=300), HOSTILE))
def test_search_page_never_fails(client, factories, query):
    if not db.session.execute(db.text("SELECT 1 FROM products LIMIT 1")).first():
        live(factories, "Kopi Pontianak")
    response = client.get("/katalog", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)  # the query is shown escaped


# ---------------------------------------------------------------- the page cache

@pytest.fixture
def cached_app(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, CATALOG_CACHE_SECONDS=60, CATALOG_COUNT_TTL=60)
    yield app
    if pg_schema is not None:
        empty_tables(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_cached_search_pages_are_keyed_on_the_query(cached_app):
    from tests import factories

    with cached_app.app_context():
        live(factories, "Kopi Jahe Merah")
        live(factories, "Teh Serai Wangi")
    client = cached_app.test_client()
    english(client)
    assert shown(html_of(client, "kop"), "Kopi Jahe Merah", "Teh Serai Wangi") == ["Kopi Jahe Merah"]
    assert shown(html_of(client, "teh"), "Kopi Jahe Merah", "Teh Serai Wangi") == ["Teh Serai Wangi"]
    html = html_of(client, "kopi teh")
    assert SOME_WORDS in html
    assert SOME_WORDS not in html_of(client, "kopi")
    assert SOME_WORDS not in html_of(client, "kopi jahe")
    # A product with every word appears at once (the commit drops the cached pages and counts).
    with cached_app.app_context():
        live(factories, "Kopi Teh Tarik")
    html = html_of(client, "kopi teh")
    assert SOME_WORDS not in html and shown(html, "Kopi Teh Tarik", "Kopi Jahe Merah") == ["Kopi Teh Tarik"]


def test_falling_back_costs_one_more_count(app, factories):
    from tests.test_catalog_queries import QueryCounter

    live(factories, "Kopi Jahe Merah")
    live(factories, "Teh Serai Wangi")
    db.session.commit()
    client = app.test_client()
    english(client)
    counts = {}
    for q in ("kopi jahe", "kopi teh"):
        client.get("/katalog", query_string={"q": q})  # the first search checks the search table
        with QueryCounter(app) as counter:
            html = html_of(client, q)
        counts[q] = counter.count
        assert (SOME_WORDS in html) == (q == "kopi teh")
    # A search that finds every word reads its count and first page in one statement; one that
    # falls back reads that (nothing for every word), counts every word's matches the usual way
    # to be sure, then reads the count and page of some words: two more.
    assert counts["kopi teh"] == counts["kopi jahe"] + 2 <= 8, counts
