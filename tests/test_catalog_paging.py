"""Counts that stop at a cap, and deep pages read by keyset: on SQLite and PostgreSQL
(``TEST_DATABASE_URL``), the same products in the same order as the numbered pages."""
import html
import re

import pytest
from sqlalchemy import event

from app.extensions import db
from app.services import catalog

CARD = re.compile(r'<h3 class="h6 card-title mb-1"><a href="/produk/([^"]+)"')
PAGE_LINK = re.compile(r'<a class="page-link" href="([^"#]+)"')


@pytest.fixture
def sixty(app, factories, monkeypatch):
    """60 live products with many equal prices and sales (ties are broken by id), counted up
    to a cap of 30."""
    monkeypatch.setattr(catalog, "COUNT_CAP", 30)
    category = factories.CategoryFactory(name_id="Kopi", slug="kopi")
    store = factories.StoreFactory(verified=True)
    for n in range(60):
        factories.ProductFactory(live=True, store=store, category=category, name=f"Kopi {n % 7} Nomor {n:02d}",
                                 price=10000 + 500 * (n % 4), sold_count=n % 5)
    return app


def _slugs(response):
    assert response.status_code == 200, response.status_code
    return CARD.findall(response.get_data(as_text=True))


def _next_link(response):
    links = PAGE_LINK.findall(response.get_data(as_text=True))
    return html.unescape(links[-1]) if links else None


def test_counts_stop_at_the_cap_and_the_pages_past_it_still_work(sixty, client):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        first = client.get("/katalog")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    page = first.get_data(as_text=True)
    assert "lebih dari 30 produk" in page  # "1–24 of more than 30 products"
    assert len(_slugs(first)) == 24
    counts = [s for s in statements if "count(" in s.lower()]
    assert counts and all("LIMIT" in s.upper() for s in counts), counts  # the count stops at the cap
    # Past the cap the pages are read, not counted: 24 + 24 + 12 products, then the end.
    assert len(_slugs(client.get("/katalog?page=2"))) == 24
    third = client.get("/katalog?page=3")
    assert len(_slugs(third)) == 12
    assert 'aria-disabled="true" tabindex="-1">' in third.get_data(as_text=True).rsplit("page-link", 1)[-1]
    end = client.get("/katalog?page=4")
    assert end.status_code == 404
    assert "halaman 3" in end.get_data(as_text=True) or "page 3" in end.get_data(as_text=True)
    every = _slugs(client.get("/katalog")) + _slugs(client.get("/katalog?page=2")) + _slugs(third)
    assert len(set(every)) == 60


def test_a_small_result_is_counted_exactly(sixty, client):
    page = client.get("/katalog?q=kopi+nomor+07").get_data(as_text=True)
    assert "lebih dari" not in page
    assert "dari 1 produk" in page


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "name", "best_selling"])
def test_following_next_reads_by_keyset_the_same_products_as_the_numbered_pages(sixty, client, sort):
    numbered = []
    for number in (1, 2, 3):
        numbered.append(_slugs(client.get(f"/katalog?sort={sort}&page={number}")))
    statements = []

    def record(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    followed = [_slugs(response := client.get(f"/katalog?sort={sort}"))]
    engine = db.engine
    for _ in range(2):
        url = _next_link(response)
        assert url and "after=" in url, url
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        followed.append(_slugs(response))
    assert followed == numbered
    cards = [(s, p) for s, p in statements if "product_images" in s and "count(" not in s.lower()]
    assert len(cards) == 2, cards
    for statement, parameters in cards:  # keyset: from the last card on, nothing skipped
        assert re.search(r"products\.id [<>]", statement), statement
        if "OFFSET" in statement.upper():  # SQLite writes OFFSET 0 after every LIMIT
            assert list(parameters.values() if isinstance(parameters, dict) else parameters)[-1] == 0


@pytest.mark.parametrize("after", ["bukan-kursor", "W10", "WyJuZXdlc3QiLCJ4IiwxXQ", "%00", "A" * 500,
                                   "WyJwcmljZV9hc2MiLDEwMDAwLCJ4Il0"])
def test_a_cursor_edited_by_hand_falls_back_to_the_page_number(sixty, client, after):
    assert _slugs(client.get(f"/katalog?page=2&after={after}")) == _slugs(client.get("/katalog?page=2"))


def test_a_cursor_of_another_sort_is_not_used(sixty, client):
    response = client.get("/katalog?sort=price_asc")
    url = _next_link(response)
    cursor = re.search(r"after=([^&]+)", url).group(1)
    assert _slugs(client.get(f"/katalog?sort=name&page=2&after={cursor}")) == _slugs(
        client.get("/katalog?sort=name&page=2"))


# ------------------------------------------------------- ranking a search with many matches

@pytest.fixture
def many_matches(app, factories, monkeypatch):
    """60 products matching "kopi bubuk", counted up to 30; a search by relevance past the cap
    ranks the newest 40. Ten strong matches (both words in the name) sit between weak ones
    (the words only in the description): 30 older weak ones, the ten, 20 newer weak ones."""
    monkeypatch.setattr(catalog, "COUNT_CAP", 30)
    monkeypatch.setattr(catalog, "RANKED_CANDIDATES", 40)
    category = factories.CategoryFactory(name_id="Minuman", slug="minuman")
    store = factories.StoreFactory(verified=True)
    made = []
    for n in range(60):
        strong = 30 <= n < 40
        made.append(factories.ProductFactory(
            live=True, store=store, category=category, slug=f"barang-{n:02d}",
            name=f"Kopi Bubuk Istimewa {n:02d}" if strong else f"Gula Aren {n:02d}",
            description="Dari Pontianak." if strong else f"Cocok untuk kopi bubuk, takaran {n:02d}."))
    return [p.slug for p in made]


def _searched(client, path):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, statements


def test_a_search_past_the_cap_ranks_its_newest_matches_exactly(many_matches, client, monkeypatch):
    first, statements = _searched(client, "/katalog?q=kopi+bubuk")
    assert "lebih dari 30 produk" in first.get_data(as_text=True)
    assert "di antara 40 hasil terbaru" in first.get_data(as_text=True)  # the page says how it is sorted
    assert "hasil terbaru" not in client.get("/katalog?q=kopi+bubuk&sort=newest").get_data(as_text=True)
    shown = _slugs(first) + _slugs(client.get("/katalog?q=kopi+bubuk&page=2"))
    newest = set(many_matches[20:])
    # Only the 40 newest matches were ranked, and the ranking read no more than them.
    assert len(shown) == 40 and set(shown) == newest
    ranked = [s for s in statements if "ORDER BY" in s.upper() and "LIMIT" in s.upper()
              and not s.lstrip().lower().startswith("select count(")]
    assert any(re.search(r"ORDER BY \S*(rowid|product_id) DESC\s+LIMIT", s) for s in ranked), ranked
    # The ten strong matches first, newest first, then the weak ones: the order a full ranking gives.
    assert shown[:10] == list(reversed(many_matches[30:40]))
    monkeypatch.setattr(catalog, "RANKED_CANDIDATES", 10_000)
    everything = _slugs(client.get("/katalog?q=kopi+bubuk")) + _slugs(client.get("/katalog?q=kopi+bubuk&page=2")) \
        + _slugs(client.get("/katalog?q=kopi+bubuk&page=3"))
    assert len(everything) == 60
    assert [s for s in everything if s in newest] == shown
    monkeypatch.setattr(catalog, "RANKED_CANDIDATES", 40)
    # Past the ranked ones the relevance pages end, with the way back; by another order all 60 are there.
    past = client.get("/katalog?q=kopi+bubuk&page=3")
    assert past.status_code == 404 and not CARD.findall(past.get_data(as_text=True))
    by_newest = []
    for number in (1, 2, 3):
        by_newest += _slugs(client.get(f"/katalog?q=kopi+bubuk&sort=newest&page={number}"))
    assert sorted(by_newest) == sorted(many_matches)


def test_a_search_with_some_of_the_words_past_the_cap_ranks_its_newest_too(many_matches, client):
    # No product has "teh": the search falls back to products with some of the words.
    response = client.get("/katalog?q=kopi+teh")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "lebih dari 30 produk" in page
    shown = _slugs(response) + _slugs(client.get("/katalog?q=kopi+teh&page=2"))
    assert set(shown) == set(many_matches[20:])
    assert shown[:10] == list(reversed(many_matches[30:40]))  # "kopi" in the name counts most


def test_a_search_under_the_cap_ranks_every_match(many_matches, client):
    page = client.get("/katalog?q=istimewa")
    assert "dari 10 produk" in page.get_data(as_text=True) and "hasil terbaru" not in page.get_data(as_text=True)
    assert _slugs(page) == list(reversed(many_matches[30:40]))


@pytest.mark.parametrize("hidden, says", [(0, "lebih dari 30 produk"), (25, "lebih dari 30 produk"),
                                          (35, "dari 25 produk")])
def test_a_search_is_counted_from_its_newest_matches_and_hidden_ones_do_not_count(many_matches, client, hidden,
                                                                                  says):
    """The count reads the newest 31 matches first; when some of them are hidden from buyers it
    counts every match, so the total is the same as before whatever is hidden."""
    from app.models import Product

    for slug in many_matches[len(many_matches) - hidden:]:
        db.session.execute(db.select(Product).where(Product.slug == slug)).scalar_one().listed = False
    db.session.commit()
    response, statements = _searched(client, "/katalog?q=kopi+bubuk&sort=newest")
    assert says in response.get_data(as_text=True)
    counts = [s for s in statements if "count(" in s.lower()]
    assert len(counts) == (1 if hidden == 0 else 2), counts  # the bounded read, then all when it is not enough
    assert all("LIMIT" in s.upper() for s in counts)
    if hidden == 35:
        everything = _slugs(response) + _slugs(client.get("/katalog?q=kopi+bubuk&sort=newest&page=2"))
        assert sorted(everything) == sorted(many_matches[:25])


def test_the_count_and_the_first_page_read_together_rank_the_same_candidates(app, factories, client, monkeypatch):
    """The search box alone reads its count and first page in one statement: that read covers
    the RANKED_CANDIDATES newest matches even when they are more than the count reads. The
    one strong match sits among the newest 40 but not among the newest 31."""
    monkeypatch.setattr(catalog, "COUNT_CAP", 30)
    monkeypatch.setattr(catalog, "RANKED_CANDIDATES", 40)
    category = factories.CategoryFactory(name_id="Minuman", slug="minuman")
    store = factories.StoreFactory(verified=True)
    for n in range(50):
        factories.ProductFactory(
            live=True, store=store, category=category, slug=f"barang-{n:02d}",
            name="Kopi Bubuk Istimewa" if n == 15 else f"Gula Aren {n:02d}",
            description="Dari Pontianak." if n == 15 else f"Cocok untuk kopi bubuk, takaran {n:02d}.")
    page, statements = _searched(client, "/katalog?q=kopi+bubuk")
    assert "lebih dari 30 produk" in page.get_data(as_text=True)
    assert _slugs(page)[:3] == ["barang-15", "barang-49", "barang-48"]
    searched = [s for s in statements if "product_search" in s]
    assert len(searched) == 1, searched  # the count and the cards: one read of the index
