"""The catalogue as buyers see it: what is shown, filters, sorts, search, pages, SEO,
and bad input (never a 500, nothing reflected unescaped)."""
import re
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import BusinessDocument, Category, Product


def live(factories, **kwargs):
    return factories.ProductFactory(live=True, **kwargs)


def text_of(response):
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- what buyers may see

def test_catalogue_lists_live_products_with_price_store_and_stock(client, factories):
    product = live(factories, name="Kopi Bubuk Aming", price=45000, stock=3)
    factories.ProductImageFactory(product=product, is_cover=True, key="public/products/1/abc")
    factories.ProductFactory(name="Draf Rahasia")
    response = client.get("/katalog")
    assert response.status_code == 200
    html = text_of(response)
    assert "Kopi Bubuk Aming" in html
    assert "Rp\u00a045.000" in html
    assert product.store.name in html
    assert "/media/public/products/1/abc/thumb.webp" in html
    assert "Draf Rahasia" not in html


@pytest.mark.parametrize("hide", ["paused", "draft", "rejected", "submitted", "unverified", "suspended", "expired"])
def test_hidden_products_are_not_shown_and_404_by_url(client, factories, hide):
    product = live(factories, name="Produk Tersembunyi")
    if hide == "paused":
        product.paused = True
        product.listed = False
    elif hide in ("draft", "rejected", "submitted"):
        product.status = hide
        product.listed = False
    elif hide == "unverified":
        product.store.status = "pending_verification"
        product.listed = False
    elif hide == "suspended":
        product.store.status = "suspended"  # even if listed was not recomputed
    elif hide == "expired":
        product.listed_until = clock.today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/produk/{product.slug}").status_code == 404
    assert "Produk Tersembunyi" not in text_of(client.get("/katalog"))
    assert "Produk Tersembunyi" not in text_of(client.get("/katalog?q=tersembunyi"))
    assert "Produk Tersembunyi" not in text_of(client.get("/"))
    assert product.slug not in text_of(client.get("/sitemap.xml"))


def test_unverified_store_page_is_404(client, factories):
    store = factories.StoreFactory()
    assert client.get(f"/toko/{store.slug}").status_code == 404
    assert client.get("/toko/tidak-ada").status_code == 404


def test_product_page_shows_facts_documents_and_related(client, factories):
    food = factories.CategoryFactory(food=True, name_id="Minuman Segar", name_en="Fresh drinks")
    product = live(factories, name="Jus Lidah Buaya", category=food, price=12000, stock=40, unit="botol",
                   min_order=6, lead_time_days=2, description="Segar dari kebun Pontianak Utara.")
    factories.ProductImageFactory(product=product, is_cover=True, key="public/products/p/cover", position=5)
    factories.ProductImageFactory(product=product, key="public/products/p/side", position=0)
    other = live(factories, name="Jeli Lidah Buaya", category=food, store=product.store)
    card = text_of(client.get("/katalog"))
    assert "public/products/p/cover/thumb.webp" in card and "public/products/p/side/" not in card
    response = client.get(f"/produk/{product.slug}")
    html = text_of(response)
    assert response.status_code == 200
    assert "Jus Lidah Buaya" in html and "Rp\u00a012.000" in html and "botol" in html
    assert "Minuman Segar" in html
    assert f'href="/toko/{product.store.slug}"' in html
    assert "public/products/p/cover/large.webp" in html and "public/products/p/side/thumb.webp" in html
    assert "Halal" in html
    assert "PIRT" in html  # a certificate held, kind shown
    assert "dokumen.pdf" not in html  # never the file
    assert other.name in html  # related
    assert '<link rel="canonical" href="http://localhost/produk/' in html
    assert 'property="og:title" content="Jus Lidah Buaya"' in html
    assert 'property="og:image"' in html


def test_out_of_stock_and_low_stock_states(client, factories):
    live(factories, name="Amplang Habis", stock=0)
    live(factories, name="Amplang Sedikit", stock=2)
    html = text_of(client.get("/katalog"))
    assert "Stok habis" in html or "Out of stock" in html
    html = text_of(client.get("/katalog?in_stock=1"))
    assert "Amplang Sedikit" in html and "Amplang Habis" not in html


def test_store_page_lists_live_products_and_documents_not_files(client, factories):
    product = live(factories, name="Syal Corak Insang", category=factories.CategoryFactory(food=True))
    store = product.store
    factories.ProductFactory(store=store, name="Syal Draf")
    response = client.get(f"/toko/{store.slug}")
    html = text_of(response)
    assert response.status_code == 200
    assert store.name in html and "Syal Corak Insang" in html and "Syal Draf" not in html
    assert store.kecamatan in html and store.cohort.name in html
    assert "Halal" in html or "halal" in html
    assert "dokumen.pdf" not in html and "/private/" not in html


# ---------------------------------------------------------------- filters and sorts

def test_category_filter_includes_sub_categories(client, factories):
    parent = factories.CategoryFactory(name_id="Kain", slug="kain")
    child = factories.CategoryFactory(name_id="Tenun", slug="tenun", parent=parent)
    live(factories, name="Kain Tenun Corak Insang", category=child)
    live(factories, name="Kopi Hitam", category=factories.CategoryFactory())
    html = text_of(client.get("/katalog?category=kain"))
    assert "Kain Tenun Corak Insang" in html and "Kopi Hitam" not in html
    html = text_of(client.get("/katalog?category=tenun"))
    assert "Kain Tenun Corak Insang" in html


def test_price_store_halal_filters_and_sorts(client, factories):
    a = live(factories, name="Alpha Murah", price=10000)
    b = live(factories, name="Beta Sedang", price=50000, category=factories.CategoryFactory(food=True))
    c = live(factories, name="Gamma Mahal", price=900000)
    c.sold_count = 99
    db.session.commit()
    html = text_of(client.get("/katalog?min_price=20000&max_price=100000"))
    assert "Beta Sedang" in html and "Alpha Murah" not in html and "Gamma Mahal" not in html
    html = text_of(client.get(f"/katalog?store={a.store.slug}"))
    assert "Alpha Murah" in html and "Beta Sedang" not in html
    assert f'<option value="{a.store.slug}" selected>{a.store.name}</option>' in html  # the store filter
    html = text_of(client.get("/katalog?halal=1"))
    assert "Beta Sedang" in html and "Alpha Murah" not in html
    html = text_of(client.get("/katalog?sort=price_asc"))
    assert html.index("Alpha Murah") < html.index("Beta Sedang") < html.index("Gamma Mahal")
    html = text_of(client.get("/katalog?sort=price_desc"))
    assert html.index("Gamma Mahal") < html.index("Beta Sedang") < html.index("Alpha Murah")
    html = text_of(client.get("/katalog?sort=best_selling"))
    assert html.index("Gamma Mahal") < html.index("Alpha Murah")
    html = text_of(client.get("/katalog?sort=name"))
    assert html.index("Alpha Murah") < html.index("Beta Sedang") < html.index("Gamma Mahal")
    assert b.halal_until is not None


def test_filters_stay_in_the_url_of_the_pager(client, factories):
    for n in range(26):
        live(factories, name=f"Kue Kering {n:02d}", price=20000 + n)
    html = text_of(client.get("/katalog?min_price=20000&sort=price_asc"))
    assert "/katalog?page=2&amp;min_price=20000&amp;sort=price_asc" in html
    html = text_of(client.get("/katalog?min_price=20000&sort=price_asc&page=2"))
    assert "Kue Kering 25" in html and "Kue Kering 00" not in html


def test_halal_badge_disappears_when_certificate_expires(client, factories):
    product = live(factories, name="Dodol Lidah Buaya", category=factories.CategoryFactory(food=True))
    assert "Dodol Lidah Buaya" in text_of(client.get("/katalog?halal=1"))
    clock.travel(days=400)
    assert "Dodol Lidah Buaya" not in text_of(client.get("/katalog?halal=1"))
    assert product.halal_until is not None


def test_nothing_found_offers_to_clear_filters(client, factories):
    live(factories, name="Kopi Susu")
    response = client.get("/katalog?q=zzzzqqq&halal=1")
    html = text_of(response)
    assert response.status_code == 200
    assert "Nothing found" in html or "Tidak ditemukan" in html or "Tidak ada" in html
    assert 'href="/katalog"' in html


# ---------------------------------------------------------------- search

def test_search_is_indonesian_aware_and_ranked(client, factories):
    drinks = factories.CategoryFactory(name_id="Minuman", name_en="Drinks")
    live(factories, name="Kopi Minum Dingin", category=drinks)
    cloth = live(factories, name="Kain Tenun Corak Insang", description="Tenunan tangan.")
    live(factories, name="Tas Rotan", description="Tas dengan motif corak insang kecil.")
    html = text_of(client.get("/katalog?q=minuman"))
    assert "Kopi Minum Dingin" in html
    html = text_of(client.get("/katalog?q=kain+insang"))
    assert "Kain Tenun Corak Insang" in html and "Tas Rotan" not in html
    html = text_of(client.get("/katalog?q=INSANG"))
    assert html.index("Kain Tenun Corak Insang") < html.index("Tas Rotan")  # name beats description
    assert cloth.slug in html


def test_search_is_accent_insensitive_and_finds_store_names(client, factories):
    store = factories.StoreFactory(name="Kafé Khatulistiwa", verified=True)
    live(factories, name="Bingke Berendam", store=store)
    assert "Bingke Berendam" in text_of(client.get("/katalog?q=kafe"))
    assert "Bingke Berendam" in text_of(client.get("/katalog?q=KAFÉ"))


def test_search_follows_product_changes(client, factories):
    product = live(factories, name="Lempok Durian")
    assert "Lempok Durian" in text_of(client.get("/katalog?q=lempok"))
    product.name = "Dodol Durian"
    db.session.commit()
    assert "Dodol Durian" not in text_of(client.get("/katalog?q=lempok"))
    assert "Dodol Durian" in text_of(client.get("/katalog?q=dodol"))
    product.store.name = "Toko Pak Usu"
    db.session.commit()
    assert "Dodol Durian" in text_of(client.get("/katalog?q=usu"))
    product.category.name_id = "Oleh-oleh Khas"
    db.session.commit()
    assert "Dodol Durian" in text_of(client.get("/katalog?q=khas"))
    db.session.delete(product)
    db.session.commit()
    assert "Dodol Durian" not in text_of(client.get("/katalog?q=dodol"))


def test_reindex_command_rebuilds_the_index(app, runner, factories):
    live(factories, name="Amplang Ikan Tenggiri")
    db.session.execute(db.text("DELETE FROM product_search"))
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert "1 product(s) indexed" in result.output
    client = app.test_client()
    assert "Amplang Ikan Tenggiri" in text_of(client.get("/katalog?q=amplang"))


# ---------------------------------------------------------------- bad input

def test_unknown_category_and_store_give_a_clear_404(client):
    response = client.get("/katalog?category=tidak-ada")
    assert response.status_code == 404
    assert "tidak-ada" in text_of(response) and 'href="/katalog"' in text_of(response)
    response = client.get("/katalog?store=%3Cscript%3E")
    assert response.status_code == 404
    assert "<script>" not in text_of(response) and "&lt;script&gt;" in text_of(response)


def test_page_past_the_end_is_a_clear_404(client, factories):
    live(factories)
    response = client.get("/katalog?page=99")
    assert response.status_code == 404
    assert "99" in text_of(response)
    assert client.get("/katalog?page=abc").status_code == 200
    assert client.get("/katalog?page=-3").status_code == 200


def test_reversed_price_range_is_swapped_with_a_message(client, factories):
    live(factories, name="Syal Insang", price=200000)
    response = client.get("/katalog?min_price=500000&max_price=100000")
    html = text_of(response)
    assert response.status_code == 200
    assert "Syal Insang" in html
    assert "swapped" in html or "tukar" in html


def test_non_numeric_price_is_a_message_not_an_error(client, factories):
    live(factories, name="Syal Insang", price=200000)
    response = client.get("/katalog?min_price=murah&max_price=%3Cb%3E")
    html = text_of(response)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html
    assert "<b>" not in html
    assert "Syal Insang" in html  # the bad filter is ignored


@pytest.mark.parametrize("query", [
    "x" * 5000, '"', '""""', "*", "kopi*", "NEAR(kopi insang)", "kopi OR teh", "-kopi", "kopi -teh",
    "'; DROP TABLE products; --", "1' OR '1'='1", "<script>alert(1)</script>", "kopi AND", "^kopi",
    "title:kopi", "{kopi}", "(((", "\\", "%", "_", "\x00", "😀",
])
def test_hostile_searches_never_fail_or_reflect_html(client, factories, query):
    live(factories, name="Kopi Pontianak")
    response = client.get("/katalog", query_string={"q": query})
    assert response.status_code == 200
    html = text_of(response)
    assert "<script>alert(1)</script>" not in html
    assert db.session.execute(db.select(db.func.count(Product.id))).scalar_one() == 1


def test_long_search_is_shortened_with_a_notice(client, factories):
    response = client.get("/katalog", query_string={"q": "kopi " * 1000})
    assert response.status_code == 200
    assert "200" in text_of(response)


# ---------------------------------------------------------------- home, SEO, i18n

def test_home_shows_featured_newest_categories_and_stores(client, factories):
    featured = live(factories, name="Kain Unggulan", featured=True)
    newest = live(factories, name="Kopi Terbaru")
    html = text_of(client.get("/"))
    assert "Kain Unggulan" in html and "Kopi Terbaru" in html
    assert featured.category.name_id in html
    assert newest.store.name in html


def test_sitemap_and_robots(client, factories):
    product = live(factories)
    draft = factories.ProductFactory()
    xml = text_of(client.get("/sitemap.xml"))
    assert f"http://localhost/produk/{product.slug}" in xml
    assert f"/toko/{product.store.slug}" in xml
    assert draft.slug not in xml
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and "Sitemap: http://localhost/sitemap.xml" in text_of(robots)


def test_catalogue_in_english(client, factories):
    category = factories.CategoryFactory(name_id="Kerajinan Rotan", name_en="Rattan crafts")
    live(factories, category=category)
    client.post("/language", data={"lang": "en", "next": "/katalog"})
    html = text_of(client.get("/katalog"))
    assert 'lang="en"' in html and "Rattan crafts" in html and "Catalogue" in html


def test_nav_has_the_catalogue(client):
    assert 'href="/katalog"' in text_of(client.get("/"))


def test_category_rename_reindexes_child_category_products(client, factories):
    parent = factories.CategoryFactory(name_id="Makanan", slug="makanan")
    child = factories.CategoryFactory(name_id="Kue", slug="kue", parent=parent)
    live(factories, name="Bingke Ubi", category=child)
    assert "Bingke Ubi" in text_of(client.get("/katalog?q=makanan"))
    parent.name_id = "Panganan"
    db.session.commit()
    assert "Bingke Ubi" in text_of(client.get("/katalog?q=panganan"))
    assert isinstance(parent, Category) and BusinessDocument is not None


def test_a_search_never_touches_the_schema(app, client, factories):
    """The search table comes from the migrations (or create_all), never from a request: the
    first search of a fresh app runs no DDL and does not look the table up."""
    from tests.helpers import counting_statements

    live(factories, name="Kerupuk Basah Kapuas")
    with counting_statements() as statements:
        assert "Kerupuk Basah Kapuas" in text_of(client.get("/katalog?q=kerupuk"))
    schema_work = [s for s in statements
                   if re.search(r"\b(CREATE|DROP|ALTER)\b|sqlite_master|pg_catalog|information_schema", s, re.I)]
    assert statements and not schema_work, schema_work


def test_reindex_command_creates_a_missing_index(app, client, runner, factories):
    """A database that lost (or never had) the search table: the command, not a request, builds it."""
    live(factories, name="Kerupuk Basah Kapuas")
    db.session.execute(db.text("DROP TABLE product_search"))
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert "1 product(s) indexed" in result.output
    assert "Kerupuk Basah Kapuas" in text_of(client.get("/katalog?q=kerupuk"))


def test_many_stores_store_filter_is_a_removable_chip(client, factories, monkeypatch):
    from app.services import catalog

    monkeypatch.setattr(catalog, "STORE_SELECT_MAX", 0)
    product = live(factories, name="Keranjang Rotan")
    html = text_of(client.get(f"/katalog?store={product.store.slug}"))
    assert 'id="f-store"' not in html
    assert f'<input type="hidden" name="store" value="{product.store.slug}">' in html
    assert "Keranjang Rotan" in html and 'href="/katalog"' in html
