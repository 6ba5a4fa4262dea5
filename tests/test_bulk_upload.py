"""Bulk upload of products from XLSX: the template per category, every row checked first
with a report naming each row's problems in the seller's language, nothing imported until
clean (or the clean rows only, by choice), bad files refused as a whole; drafts of the
seller's store only; the option columns of a category (Ukuran, Warna) make each draft's
variants."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.models import AuditEntry, Product, default_sku
from tests.factories import store_owner
from tests.helpers import counting_statements, page_text
from tests.order_helpers import use_english

HEADER = ["Name *", "Category *", "Price *", "Stock", "Unit", "Description", "Weight (grams)", "Minimum order",
          "Lead time (days)"]


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def shop(factories, auth):
    category = factories.CategoryFactory(slug="kopi", name_id="Kopi", name_en="Coffee")
    store = factories.StoreFactory(verified=True, name="Kopi Aming")
    seller = store_owner(store)
    auth.login(seller.email)
    return store, seller, category


def _xlsx(rows, header=HEADER, formula_cells=()):
    book = Workbook()
    sheet = book.active
    sheet.title = "Produk"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for ref, formula in formula_cells:
        sheet[ref] = formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(n=1, category="Kopi", price="25.000", **over):
    values = {"name": f"Kopi bubuk {n}", "category": category, "price": price, "stock": 10, "unit": "pcs",
              "description": "Robusta Pontianak", "weight": 250, "min": 1, "lead": 0}
    values.update(over)
    return list(values.values())


def _upload(client, data, name="produk.xlsx"):
    return client.post("/seller/products/upload", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _products():
    db.session.expire_all()
    return db.session.execute(db.select(Product).order_by(Product.id)).scalars().all()


def test_template_has_the_category_required_columns_and_examples(client, shop):
    _store, _seller, category = shop
    response = client.get(f"/seller/products/upload/template?category={category.id}")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Produk"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Name *", "Category *", "Price *"] and "Stock" in header
    assert sheet["B2"].value == "Kopi" and sheet["A2"].value
    help_rows = [[c.value for c in row] for row in book["Petunjuk"].iter_rows()]
    assert ["Price", "yes", "Whole rupiah, e.g. 25.000."] in help_rows
    assert client.get("/seller/products/upload/template?category=999999").status_code == 404
    assert client.get("/seller/products/upload/template?category=abc").status_code == 404


def test_a_clean_file_imports_drafts_of_the_store(client, shop):
    store, seller, category = shop
    response = _upload(client, _xlsx([_row(1), _row(2, price=18000, unit="paket", stock=None)]))
    assert response.status_code == 303, page_text(response)
    products = _products()
    assert [p.name for p in products] == ["Kopi bubuk 1", "Kopi bubuk 2"]
    assert {p.status for p in products} == {"draft"} and {p.store_id for p in products} == {store.id}
    assert products[0].price == 25000 and products[1].price == 18000 and products[1].stock == 0
    assert products[1].unit == "paket" and products[0].category_id == category.id
    assert "2 products imported as drafts" in page_text(client.get("/seller/"))
    # Without options each draft has its default variant, holding the row's stock.
    for product in products:
        assert [(v.option_key, v.option_values, v.sku, v.stock) for v in product.variants] == [
            ("", [], default_sku(product.slug), product.stock)]
        assert product.option_names == []
    assert products[0].variants[0].stock == 10
    assert db.session.execute(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "product.created")).scalar_one() == 2


def test_one_bad_row_is_named_and_nothing_is_imported_until_chosen(client, shop):
    rows = [_row(1), _row(2, price="abc"), _row(3, category="Perhiasan emas"), _row(4, name="", unit="kg")]
    response = _upload(client, _xlsx(rows))
    assert response.status_code == 422
    text = page_text(response)
    assert "Nothing was imported" in text
    assert "Row 3" in text and "Price: Enter the amount in whole rupiah" in text
    assert "Row 4" in text and "there is no category “Perhiasan emas”" in text
    assert "Row 5" in text and "Name: required." in text and "Unit: Use one of" in text
    assert "Row 2" not in text.split("Check report")[1].split("1. Download")[0]
    assert _products() == []
    clean = client.post("/seller/products/upload/clean-rows",
                        data={"token": _token(text)})
    assert clean.status_code == 303
    assert [p.name for p in _products()] == ["Kopi bubuk 1"]
    # The kept file is used once.
    again = client.post("/seller/products/upload/clean-rows", data={"token": _token(text)})
    assert again.status_code == 409 and len(_products()) == 1


def _token(html):
    import re

    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def test_the_report_is_in_the_sellers_language(client, shop):
    client.post("/language", data={"lang": "id", "next": "/"})
    response = _upload(client, _xlsx([_row(1, price="abc")]))
    text = page_text(response)
    assert response.status_code == 422 and "Baris 2" in text and "Harga" in text


def test_wrong_columns_are_refused_as_a_whole(client, shop):
    response = _upload(client, _xlsx([["Kopi", 25000]], header=["Produk", "Harga jual"]))
    text = page_text(response)
    assert response.status_code == 422 and "Required columns are missing" in text and "Unknown columns: Produk" in text
    twice = _upload(client, _xlsx([_row(1) + ["x"]], header=HEADER + ["Price"]))
    assert twice.status_code == 422 and "appears twice" in page_text(twice)
    assert _products() == []


def test_headers_in_indonesian_or_by_key_are_read(client, shop):
    header = ["Nama", "Kategori", "Harga", "Stok", "unit", "description", "weight_grams", "min_order", "lead_time_days"]
    response = _upload(client, _xlsx([_row(1)], header=header))
    assert response.status_code == 303, page_text(response)


def test_formulas_are_refused(client, shop):
    data = _xlsx([_row(1), _row(2)], formula_cells=[("C3", "=C2*2"), ("A2", '=HYPERLINK("http://x.test","Kopi")')])
    response = _upload(client, data)
    text = page_text(response)
    assert response.status_code == 422 and "a formula (=C2*2)" in text and "Row 2" in text
    assert _products() == []


def test_a_file_that_is_not_xlsx(client, shop):
    response = _upload(client, b"name,price\nKopi,25000\n", name="produk.csv")
    assert response.status_code == 422 and "not an XLSX file" in page_text(response)
    empty = _upload(client, _xlsx([]))
    assert empty.status_code == 422 and "no products under the header" in page_text(empty)
    missing = client.post("/seller/products/upload", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose the XLSX file" in page_text(missing)


def test_a_big_file_is_refused_before_parsing(client, shop, monkeypatch):
    from app.services import bulk_upload

    def never(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(bulk_upload, "_open", never)
    response = _upload(client, b"PK" + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413 and "larger than 2 MB" in page_text(response)
    # 10 MB: past the app's request limit as well.
    response = _upload(client, b"PK" + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 413
    assert _products() == []


def test_more_rows_than_the_cap(app, client, shop):
    app.config["BULK_UPLOAD_MAX_ROWS"] = 50
    response = _upload(client, _xlsx([_row(n) for n in range(51)]))
    assert response.status_code == 422 and "more than 50 rows" in page_text(response)
    assert _products() == []


def test_five_thousand_rows_are_refused_by_the_default_cap(client, shop):
    response = _upload(client, _xlsx([_row(n) for n in range(5000)]))
    assert response.status_code == 422 and "more than 2000 rows" in page_text(response)
    assert _products() == []


def test_a_thousand_rows_import(client, shop):
    response = _upload(client, _xlsx([_row(n, price=10000 + n) for n in range(1000)]))
    assert response.status_code == 303
    products = _products()
    assert len(products) == 1000 and products[-1].price == 10999


def test_only_sellers_with_a_store(client, auth, factories, shop):
    auth.logout()
    buyer = factories.BuyerFactory()
    auth.login(buyer.email)
    assert client.get("/seller/products/upload").status_code == 403
    assert _upload(client, _xlsx([_row(1)])).status_code == 403
    auth.logout()
    lone = factories.SellerFactory()
    auth.login(lone.email)
    assert client.get("/seller/products/upload").status_code == 302
    assert _upload(client, _xlsx([_row(1)])).status_code == 302
    assert _products() == []


def test_a_suspended_store_imports_nothing(client, shop):
    store = shop[0]
    store.status = "suspended"
    db.session.commit()
    response = _upload(client, _xlsx([_row(1)]))
    assert response.status_code == 409 and "suspended" in page_text(response)
    assert _products() == []


# ---------------------------------------------------------------- option columns

OPTION_HEADER = HEADER + ["Ukuran", "Warna"]


@pytest.fixture
def clothes(factories, shop):
    return factories.CategoryFactory(slug="kaos", name_id="Kaos", name_en="T-shirts", option_groups=["Ukuran", "Warna"])


def _shirt(n=1, size=None, colour=None, category="Kaos", **over):
    return _row(n, category=category, name=f"Kaos corak insang {n}", **over) + [size, colour]


def test_template_has_the_category_option_columns_with_examples(client, shop, clothes):
    for lang, stock, help_text, options_line in (
            ("en", "Stock", "Values separated by commas, e.g. “S, M, L, XL”: at most 20, each once.",
             "Options (Ukuran, Warna): type the values separated by commas"),
            ("id", "Stok", "Nilai dipisahkan koma, mis. “S, M, L, XL”: paling banyak 20, masing-masing sekali.",
             "Pilihan (Ukuran, Warna): ketik nilainya dipisahkan koma")):
        client.post("/language", data={"lang": lang, "next": "/"})
        book = load_workbook(io.BytesIO(client.get(f"/seller/products/upload/template?category={clothes.id}").data))
        sheet = book["Produk"]
        header = [c.value for c in sheet[1]]
        assert header[-2:] == ["Ukuran", "Warna"] and stock in header
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        assert [r[-2:] for r in rows] == [["S, M, L, XL", "Merah, Biru"], ["M, L", None]]
        help_rows = [[c.value for c in row] for row in book["Petunjuk"].iter_rows()]
        assert any(r[0] == "Ukuran" and help_text in (r[2] or "") for r in help_rows), help_rows
        assert any(options_line in (r[0] or "") for r in help_rows), help_rows
    # A category without option groups has no option columns.
    plain = load_workbook(io.BytesIO(client.get(f"/seller/products/upload/template?category={shop[2].id}").data))
    assert "Ukuran" not in [c.value for c in plain["Produk"][1]]


def test_the_template_as_downloaded_imports_its_examples(client, shop, clothes):
    data = client.get(f"/seller/products/upload/template?category={clothes.id}").data
    response = _upload(client, data)
    assert response.status_code == 303, page_text(response)
    first, second = _products()
    assert len(first.variants) == 8 and first.stock == 8 * 40
    assert [v.name for v in second.variants] == ["M", "L"] and second.stock == 2 * 12


def test_a_file_with_options_imports_each_combination_as_a_variant(client, shop, clothes):
    header = HEADER + ["ukuran", "WARNA"]  # headers match in any case
    rows = [_shirt(1, " S, m ,L ", "Merah, Biru", stock=5), _shirt(2, "XL", None, stock=3),
            _row(3, stock=7) + [None, None]]
    response = _upload(client, _xlsx(rows, header=header))
    assert response.status_code == 303, page_text(response)
    shirt, single, coffee = _products()
    assert shirt.option_names == ["Ukuran", "Warna"] and shirt.status == "draft"
    variants = sorted(shirt.variants, key=lambda v: v.position)
    assert [v.name for v in variants] == ["S / Merah", "S / Biru", "m / Merah", "m / Biru", "L / Merah", "L / Biru"]
    assert [v.option_values for v in variants][0] == ["S", "Merah"]
    assert variants[0].option_key == "|Ukuran=S|Warna=Merah|"
    base = default_sku(shirt.slug)[:36]
    assert [v.sku for v in variants[:2]] == [f"{base}-S-MERAH", f"{base}-S-BIRU"]
    assert len({v.sku for v in variants}) == 6
    # Each combination starts with the row's stock; the product's stock is their sum.
    assert {v.stock for v in variants} == {5} and shirt.stock == 30 == sum(v.stock for v in variants)
    assert single.option_names == ["Ukuran"] and [(v.name, v.stock) for v in single.variants] == [("XL", 3)]
    assert single.stock == 3
    assert coffee.option_names == [] and [(v.option_key, v.stock) for v in coffee.variants] == [("", 7)]
    entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "product.created",
                                                           AuditEntry.object_id == shirt.id)).scalar_one()
    assert entry.after["options"] == ["Ukuran", "Warna"] and entry.after["stock"] == 30


def test_bad_options_are_problems_of_their_rows_and_nothing_is_imported(client, shop, clothes):
    twenty_one = ", ".join(f"U{n}" for n in range(21))
    twenty = ", ".join(f"U{n}" for n in range(20))
    rows = [_shirt(1, "S, M", "Merah"),
            _shirt(2, "S, M, s", "Merah"),  # row 3: a value twice (any case)
            _shirt(3, twenty_one, None),  # row 4: too many values
            _row(4) + [None, "Hitam"],  # row 5: Kopi has no Warna
            _shirt(5, twenty, "Merah, Biru, Hijau, Kuning, Putih, Hitam"),  # row 6: 120 combinations
            _shirt(6, "S=M", None)]  # row 7: a character the option key uses
    response = _upload(client, _xlsx(rows, header=OPTION_HEADER))
    assert response.status_code == 422
    report = page_text(response).split("Check report")[1].split("1. Download")[0]
    assert "Row 2" not in report
    assert "Row 3" in report and "Ukuran: s is given twice in Ukuran." in report
    assert "Row 4" in report and "Ukuran: Ukuran may have at most 20 values." in report
    assert "Row 5" in report and "Warna: the category Kopi has no option Warna" in report
    assert "Row 6" in report and "Ukuran, Warna: These options make 120 variants; at most 100 are allowed." in report
    assert "Row 7" in report and "Ukuran: Option values may not contain | or =: S=M." in report
    assert _products() == []
    clean = client.post("/seller/products/upload/clean-rows", data={"token": _token(page_text(response))})
    assert clean.status_code == 303
    (product,) = _products()
    assert product.name == "Kaos corak insang 1" and sorted(v.name for v in product.variants) == ["M / Merah",
                                                                                                   "S / Merah"]
    assert product.stock == 20


def test_option_problems_in_indonesian(client, shop, clothes):
    client.post("/language", data={"lang": "id", "next": "/"})
    response = _upload(client, _xlsx([_shirt(1, "S, s", None), _row(2) + [None, "Hitam"]], header=OPTION_HEADER))
    text = page_text(response)
    assert response.status_code == 422 and "Baris 2" in text and "Ukuran: s diisi dua kali pada Ukuran." in text
    assert "Baris 3" in text and "Warna: kategori Kopi tidak memiliki pilihan Warna" in text


def test_an_option_column_no_category_has_is_unknown(client, shop, clothes):
    response = _upload(client, _xlsx([_row(1) + ["Besar"]], header=HEADER + ["Bahan"]))
    assert response.status_code == 422 and "Unknown columns: Bahan" in page_text(response)


def test_a_thousand_rows_with_two_option_columns_import_without_a_query_per_row(app, client, shop, clothes):
    data = _xlsx([_shirt(n, "S, M, L, XL", "Merah, Biru", price=10000 + n) for n in range(1000)],
                 header=OPTION_HEADER)
    with app.app_context(), counting_statements() as statements:
        response = _upload(client, data)
    assert response.status_code == 303, page_text(response)[:2000]
    # No query per row; the 8,000 variants in one INSERT of many rows. (SQLite's driver is
    # handed the products and audit entries one by one; PostgreSQL gets them in batches.)
    assert len([s for s in statements if not s.lstrip().upper().startswith("INSERT")]) < 30
    assert len([s for s in statements if "INTO product_variants" in s]) == 1
    products = _products()
    assert len(products) == 1000 and {len(p.variants) for p in products} == {8}
    assert {p.stock for p in products} == {80}
