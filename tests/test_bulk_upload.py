"""Bulk upload of products from XLSX: the template per category, every row checked first
with a report naming each row's problems in the seller's language, nothing imported until
clean (or the clean rows only, by choice), bad files refused as a whole; drafts of the
seller's store only."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.models import AuditEntry, Product
from tests.factories import store_owner
from tests.helpers import page_text
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
