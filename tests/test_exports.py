"""CSV and XLSX exports of the dashboard tables: content, filters, streaming, permissions."""
import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from app.services import exports
from tests.dashboard_helpers import PERIOD, build_world, use_english


@pytest.fixture
def world(factories):
    return build_world(factories)


def csv_rows(response):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response):
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def as_json(value, kind):
    """A spreadsheet cell as the dashboard's JSON has it: ISO dates, percent as 12.5."""
    if kind in ("date", "month") and isinstance(value, datetime):
        return value.date().isoformat()
    if kind == "percent" and isinstance(value, float):
        return round(value * 100, 1)
    return value


def test_admin_sales_csv_is_the_table_as_shown(client, auth, world):
    auth.login(world.admin.email)
    use_english(client)
    response = client.get("/dashboards/admin/export/sales.csv", query_string=PERIOD)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert 'filename="pasar-2025-03-01-2025-03-31-sales.csv"' in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Week of", "Pay on delivery", "Card (Visa, Mastercard)", "Department purchase", "Total",
                       "Orders"]
    assert rows[1] == ["2025-02-24", "0", "0", "200000", "200000", "1"]
    assert rows[2] == ["2025-03-03", "100000", "60000", "0", "160000", "2"]
    assert len(rows) == 7


def test_admin_xlsx_numbers_are_numbers(client, auth, world):
    auth.login(world.admin.email)
    use_english(client)
    response = client.get("/dashboards/admin/export/departments.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    assert response.mimetype == exports.XLSX_TYPE
    assert response.is_streamed
    assert xlsx_rows(response) == [["Department", "Orders", "Spend"],
                                   ["Dinas Komunikasi dan Informatika", 1, 200000],
                                   ["Dinas Pendidikan dan Kebudayaan", 1, 150000]]


def test_filter_applies_to_exports(client, auth, world):
    auth.login(world.admin.email)
    response = client.get("/dashboards/admin/export/stores.csv",
                          query_string={"from": "2025-03-10", "to": "2025-03-31"})
    assert csv_rows(response)[1:] == [["Kopi Aming", "1", "150000"]]


@pytest.mark.parametrize("key", ["sales", "states", "departments", "incubator", "products", "stores", "activity",
                                 "turnaround", "repeat"])
def test_every_admin_table_exports_in_both_formats(client, auth, world, key):
    auth.login(world.admin.email)
    page = client.get("/dashboards/admin", query_string={**PERIOD, "format": "json"}).get_json()
    table = next(t for t in page["tables"] if t["key"] == key)
    rows = xlsx_rows(client.get(f"/dashboards/admin/export/{key}.xlsx", query_string=PERIOD))
    assert rows[0] == table["columns"]
    kinds = table["kinds"]
    assert [[as_json(v, kind) for v, kind in zip(row, kinds, strict=True)] for row in rows[1:]] == table["rows"]
    assert len(csv_rows(client.get(f"/dashboards/admin/export/{key}.csv", query_string=PERIOD))) == len(rows)


def test_unknown_table_or_format_404(client, auth, world):
    auth.login(world.admin.email)
    assert client.get("/dashboards/admin/export/nothing.csv").status_code == 404
    assert client.get("/dashboards/admin/export/sales.pdf").status_code == 404


def test_mentor_export_only_their_stores(client, auth, world):
    auth.login(world.mentor1.email)
    rows = csv_rows(client.get("/dashboards/mentor/export/store_sales.csv", query_string=PERIOD))
    assert rows[1:] == [["Kopi Aming", "3", "310000"]]
    docs = xlsx_rows(client.get("/dashboards/mentor/export/documents.xlsx", query_string=PERIOD))
    assert [r[2] for r in docs[1:]] == ["HALAL-KOPI-1"]


def test_seller_export_only_their_store(client, auth, world):
    auth.login(world.rotan_seller.email)
    rows = csv_rows(client.get("/dashboards/seller/export/best_sellers.csv", query_string=PERIOD))
    assert rows[1:] == [["Keranjang Rotan", "Rotan Jaya", "4", "200000"]]
    balance = xlsx_rows(client.get("/dashboards/seller/export/balance.xlsx", query_string=PERIOD))
    assert balance[1][1] == 777000


def test_department_export_only_their_department(client, auth, world):
    auth.login(world.approver_b.email)
    rows = csv_rows(client.get("/dashboards/department/export/budget.csv", query_string=PERIOD))
    assert rows[0][1:] == ["5.1.02.01.01.0052", "Total"]
    assert rows[1:] == [["2025-03-01", "150000", "150000"]]
    assert client.get("/dashboards/department/export/budget.csv",
                      query_string={**PERIOD, "department": world.dept_a.id}).status_code == 404


def test_csv_and_xlsx_neutralise_formulas():
    lines = "".join(exports.csv_lines(["Name"], iter([["=HYPERLINK(\"http://x\")"], ["-5"], [-5]])))
    assert "'=HYPERLINK" in lines and "'-5" in lines and "\r\n-5\r\n" in lines
    book = load_workbook(io.BytesIO(b"".join(exports.xlsx_chunks(["Name"], iter([["=1+1"]])))), read_only=True)
    assert [r[0] for r in book.worksheets[0].iter_rows(values_only=True)] == ["Name", "'=1+1"]


def test_streams_large_exports_in_pieces():
    rows = ([i, f"Produk {i}", i * 1000] for i in range(30000))
    chunks = exports.xlsx_chunks(["Id", "Name", "Amount"], rows)
    first = next(chunks)
    assert len(first) == exports.CHUNK
    rest = b"".join(chunks)
    book = load_workbook(io.BytesIO(first + rest), read_only=True)
    assert sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) == 30001
    lines = exports.csv_lines(["Id"], ([i] for i in range(3)))
    assert list(lines) == ["\ufeffId\r\n", "0\r\n", "1\r\n", "2\r\n"]


def test_every_order_of_the_period_streamed(client, auth, world):
    auth.login(world.admin.email)
    use_english(client)
    response = client.get("/dashboards/admin/export/orders.csv", query_string=PERIOD)
    assert response.status_code == 200 and response.is_streamed
    rows = csv_rows(response)
    assert rows[0] == ["Order", "Placed (WIB)", "Store", "Incubator startup", "Payment method", "State",
                       "Department", "Budget line", "Total"]
    numbers = [r[0] for r in rows[1:]]
    assert numbers == [world.orders[k].number for k in ("o3", "o2", "o1", "o4", "o5", "o7")]
    assert rows[1] == [world.orders["o3"].number, "2025-03-01 00:30", "Rotan Jaya", "no", "Department purchase",
                       "Invoiced", "Dinas Komunikasi dan Informatika", "5.1.02.01.01.0024", "200000"]
    book = xlsx_rows(client.get("/dashboards/admin/export/orders.xlsx", query_string=PERIOD))
    assert len(book) == 7 and book[1][-1] == 200000
    auth.logout()
    auth.login(world.mentor1.email)
    assert client.get("/dashboards/admin/export/orders.csv", query_string=PERIOD).status_code == 403


def xlsx_cells(response):
    book = load_workbook(io.BytesIO(response.get_data()))
    return book.worksheets[0]


def test_xlsx_dates_are_excel_dates_and_amounts_rupiah_numbers_under_a_sheet_in_the_users_language(
        client, auth, world):
    """Opened in Excel, a week column sorts as dates and a total sums: no text that looks like
    a date or an amount; the sheet tab is named in the language of the headers."""
    auth.login(world.admin.email)
    sheet = xlsx_cells(client.get("/dashboards/admin/export/sales.xlsx", query_string=PERIOD))
    assert sheet.title == "Penjualan dari waktu ke waktu"  # Excel allows 31 characters: cut at a word
    week, total = sheet["A3"], sheet["E3"]
    assert week.is_date and week.value == datetime(2025, 3, 3) and week.number_format == "d mmm yyyy"
    assert total.value == 160000 and total.number_format == '"Rp" #,##0'

    orders = xlsx_cells(client.get("/dashboards/admin/export/orders.xlsx", query_string=PERIOD))
    assert orders.title == "Pesanan"
    assert [c.value for c in orders[1]][:2] == ["Pesanan", "Dibuat (WIB)"]
    placed = orders["B2"]
    assert placed.is_date and placed.value == datetime(2025, 3, 1, 0, 30)
    assert placed.number_format == "d mmm yyyy hh:mm"
    assert orders["I2"].value == 200000 and orders["I2"].number_format == '"Rp" #,##0'

    use_english(client)
    english = xlsx_cells(client.get("/dashboards/admin/export/orders.xlsx", query_string=PERIOD))
    assert english.title == "Orders" and english["A1"].value == "Order"


def test_xlsx_share_is_a_percentage_and_month_a_date(client, auth, world):
    auth.login(world.admin.email)
    share = xlsx_cells(client.get("/dashboards/admin/export/incubator.xlsx", query_string=PERIOD))
    assert share["C2"].number_format == "0.0%" and 0 <= share["C2"].value <= 1
    auth.logout()
    auth.login(world.approver_b.email)
    budget = xlsx_cells(client.get("/dashboards/department/export/budget.xlsx", query_string=PERIOD))
    assert budget["A2"].value == datetime(2025, 3, 1) and budget["A2"].number_format == "mmm yyyy"
