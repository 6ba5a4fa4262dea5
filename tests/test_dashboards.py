"""Dashboards: figures on a small known world (see tests/dashboard_helpers.py), periods,
and who sees what."""
from datetime import timedelta

import pytest

from app import clock
from tests.dashboard_helpers import PERIOD, build_world, use_english


@pytest.fixture
def world(factories):
    return build_world(factories)


def board(client, url, **args):
    response = client.get(url, query_string={**PERIOD, **args, "format": "json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {t["key"]: t for t in response.get_json()["tables"]}


def rows(table):
    return [tuple(r) for r in table["rows"]]


# ------------------------------------------------------------------ admin figures


def test_admin_sales_by_week_and_method_in_wib(client, auth, world):
    auth.login(world.admin.email)
    tables = board(client, "/dashboards/admin")
    sales = tables["sales"]
    # columns: week, cod, card, department, total, orders
    assert rows(sales) == [
        ("2025-02-24", 0, 0, 200000, 200000, 1),  # o3: 28 Feb 17:30 UTC is 1 March in Pontianak
        ("2025-03-03", 100000, 60000, 0, 160000, 2),  # o2: 2 March 18:00 UTC is Monday 3 March WIB
        ("2025-03-10", 0, 0, 150000, 150000, 1),
        ("2025-03-17", 0, 0, 0, 0, 0),
        ("2025-03-24", 0, 0, 0, 0, 0),
        ("2025-03-31", 0, 0, 0, 0, 0),  # o6 (31 March 17:30 UTC) is April in Pontianak: not counted
    ]


def test_admin_sales_by_month(client, auth, world):
    auth.login(world.admin.email)
    sales = board(client, "/dashboards/admin", by="month")["sales"]
    assert rows(sales) == [("2025-03-01", 100000, 60000, 350000, 510000, 4)]


def test_admin_orders_states_departments_incubator(client, auth, world):
    auth.login(world.admin.email)
    use_english(client)
    tables = board(client, "/dashboards/admin")
    assert dict((r[0], r[1]) for r in rows(tables["states"])) == {
        "Placed": 1, "Invoiced": 1, "Completed": 2, "Cancelled": 1, "Refused": 1}
    assert rows(tables["departments"]) == [("Dinas Komunikasi dan Informatika", 1, 200000),
                                          ("Dinas Pendidikan dan Kebudayaan", 1, 150000)]
    # Department spend 350.000: 150.000 to the incubator store (42.9 %); all sales 510.000: 310.000 (60.8 %).
    assert rows(tables["incubator"]) == [("Incubator startups", 150000, 42.9, 310000, 60.8),
                                        ("Other stores", 200000, 57.1, 200000, 39.2)]


def test_admin_top_products_stores_activity_repeat(client, auth, world):
    auth.login(world.admin.email)
    use_english(client)
    tables = board(client, "/dashboards/admin")
    assert rows(tables["products"]) == [("Kopi Bubuk Aming", "Kopi Aming", 5, 250000),
                                        ("Keranjang Rotan", "Rotan Jaya", 4, 200000),
                                        ("Teh Serai", "Kopi Aming", 2, 60000)]
    assert rows(tables["stores"]) == [("Kopi Aming", 3, 310000), ("Rotan Jaya", 1, 200000)]
    activity = dict(rows(tables["activity"]))
    assert activity["Stores with sales in the period"] == 2
    assert activity["Products sold in the period"] == 3
    assert activity["Verified stores (today)"] == 2
    repeat = dict(rows(tables["repeat"]))
    assert repeat == {"Buyers with a purchase in the period": 3, "Buying more than once": 1,
                      "Repeat-buyer rate (%)": 33.3}


def test_admin_review_turnaround_median_and_p90(client, auth, world):
    auth.login(world.admin.email)
    turnaround = board(client, "/dashboards/admin")["turnaround"]
    # Mentor Satu: 2 h, 4 h, 10 h in March (the 100 h decision is in April) -> median 4, p90 10.
    assert rows(turnaround) == [("Mentor Dua", 1, 1.0, 1.0), ("Mentor Satu", 3, 4.0, 10.0)]


def test_admin_page_shows_tables_with_numbers_and_charts(client, auth, world):
    auth.login(world.admin.email)
    use_english(client)
    page = client.get("/dashboards/admin", query_string=PERIOD)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sales over time by payment method" in html
    assert 'data-chart="stacked"' in html and 'data-table="tbl-sales"' in html
    assert '<caption class="visually-hidden">Spend per department</caption>' in html
    assert '<th scope="row">Dinas Komunikasi dan Informatika</th>' in html
    assert "Rp\u00a0200.000" in html
    assert "while it is in a cohort" in html  # the incubator rule is stated
    assert "chart.umd.min.js" in html and "js/dashboard.js" in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_presets(client, auth, world):
    auth.login(world.admin.email)
    today = clock.today()
    response = client.get("/dashboards/admin", query_string={"preset": "this_month", "format": "json"})
    assert response.get_json()["period"] == {"from": today.replace(day=1).isoformat(), "to": today.isoformat(),
                                             "by": "week"}
    response = client.get("/dashboards/admin", query_string={"preset": "last_30", "format": "json"})
    assert response.get_json()["period"]["from"] == (today - timedelta(days=29)).isoformat()
    response = client.get("/dashboards/admin", query_string={"preset": "this_year", "format": "json"})
    assert response.get_json()["period"] == {"from": today.replace(month=1, day=1).isoformat(),
                                             "to": today.isoformat(), "by": "month"}


# ------------------------------------------------------------------ bad periods


@pytest.mark.parametrize("args, message", [
    ({"from": "2025-03-31", "to": "2025-03-01"}, "is after the end date"),
    ({"from": "2019-12-31", "to": "2025-03-01"}, "Choose dates between Jan 1, 2020 and today"),
    ({"from": "2025-03-01", "to": (clock.today() + timedelta(days=2)).isoformat()}, "Choose dates between"),
    ({"from": "31/03/2025", "to": "2025-04-01"}, "Start date is not a date"),
    ({"preset": "forever"}, "Unknown period"),
    ({"by": "decade"}, "Group by week or by month"),
])
def test_bad_periods_answer_422_with_a_message(client, auth, world, args, message):
    auth.login(world.admin.email)
    use_english(client)
    page = client.get("/dashboards/admin", query_string=args)
    assert page.status_code == 422
    assert message in page.get_data(as_text=True)
    assert 'role="alert"' in page.get_data(as_text=True)
    as_json = client.get("/dashboards/admin", query_string={**args, "format": "json"})
    assert as_json.status_code == 422 and message in as_json.get_json()["error"]
    export = client.get("/dashboards/admin/export/sales.csv", query_string=args)
    assert export.status_code == 422 and message in export.get_data(as_text=True)


# ------------------------------------------------------------------ mentor


def test_mentor_sees_only_assigned_stores(client, auth, world):
    auth.login(world.mentor1.email)
    use_english(client)
    tables = board(client, "/dashboards/mentor")
    assert rows(tables["products"]) == [("Kopi Aming", 1, 0, 0, 2, 0)]  # draft, submitted, changes, approved, rejected
    assert [r[0:3] for r in rows(tables["documents"])] == [("Kopi Aming", "HALAL", "HALAL-KOPI-1")]
    assert rows(tables["store_sales"]) == [("Kopi Aming", 3, 310000)]
    assert rows(tables["turnaround"]) == [("Mentor Satu", 3, 4.0, 10.0)]
    html = client.get("/dashboards/mentor", query_string=PERIOD).get_data(as_text=True)
    assert "Kopi Aming" in html and "Rotan Jaya" not in html and "PIRT-ROTAN-1" not in html


def test_mentor_dashboard_other_roles_403(client, auth, world):
    for user in (world.kopi_seller, world.buyer_x, world.approver_a):
        auth.login(user.email)
        assert client.get("/dashboards/mentor").status_code == 403
        assert client.get("/dashboards/mentor/export/store_sales.csv").status_code == 403
        auth.logout()


# ------------------------------------------------------------------ seller


def test_seller_sees_only_their_store(client, auth, world):
    auth.login(world.kopi_seller.email)
    use_english(client)
    tables = board(client, "/dashboards/seller")
    assert rows(tables["sales"])[:3] == [("2025-02-24", 0, 0), ("2025-03-03", 160000, 2), ("2025-03-10", 150000, 1)]
    assert rows(tables["best_sellers"]) == [("Kopi Bubuk Aming", "Kopi Aming", 5, 250000),
                                            ("Teh Serai", "Kopi Aming", 2, 60000)]
    assert rows(tables["low_stock"]) == [("Kopi Bubuk Aming", 3)]  # approved and <= 5; the draft is not listed
    assert rows(tables["ratings"]) == [("Kopi Bubuk Aming", 2, 4.5)]
    assert rows(tables["balance"])[0][1] == 80000
    html = client.get("/dashboards/seller", query_string=PERIOD).get_data(as_text=True)
    assert "Keranjang Rotan" not in html and "777.000" not in html


def test_seller_dashboard_other_roles(client, auth, world, factories):
    auth.login(world.buyer_x.email)
    assert client.get("/dashboards/seller").status_code == 403
    auth.logout()
    lonely = factories.SellerFactory()
    auth.login(lonely.email)
    assert client.get("/dashboards/seller").status_code == 200
    assert client.get("/dashboards/seller/export/sales.csv").status_code == 404


# ------------------------------------------------------------------ department


def test_approver_sees_only_their_department(client, auth, world):
    auth.login(world.approver_a.email)
    use_english(client)
    tables = board(client, "/dashboards/department")
    assert tables["budget"]["columns"] == ["Month", "5.1.02.01.01.0024", "Total"]
    assert rows(tables["budget"]) == [("2025-03-01", 200000, 200000)]
    assert dict((r[0], r[1]) for r in rows(tables["states"])) == {"Invoiced": 1, "Refused": 1}
    html = client.get("/dashboards/department", query_string=PERIOD).get_data(as_text=True)
    assert "Dinas Komunikasi dan Informatika" in html and "Dinas Pendidikan" not in html
    # Another department by URL or export: 404.
    other = {"department": world.dept_b.id, **PERIOD}
    assert client.get("/dashboards/department", query_string=other).status_code == 404
    assert client.get("/dashboards/department/export/budget.csv", query_string=other).status_code == 404
    assert client.get("/dashboards/department", query_string={"department": "x"}).status_code == 404


def test_department_page_not_for_purchasers_or_sellers(client, auth, world):
    for user in (world.purchaser_a, world.buyer_x, world.kopi_seller, world.mentor1):
        auth.login(user.email)
        assert client.get("/dashboards/department").status_code == 403, user.email
        assert client.get("/dashboards/department/export/budget.xlsx").status_code == 403
        auth.logout()


def test_admin_may_open_any_department(client, auth, world):
    auth.login(world.admin.email)
    tables = board(client, "/dashboards/department", department=world.dept_b.id)
    assert rows(tables["budget"]) == [("2025-03-01", 150000, 150000)]


def test_admin_dashboard_only_for_admins(client, auth, world):
    assert client.get("/dashboards/admin").status_code in (302, 401)
    for user in (world.mentor1, world.kopi_seller, world.approver_a):
        auth.login(user.email)
        assert client.get("/dashboards/admin").status_code == 403
        assert client.get("/dashboards/admin/export/sales.xlsx").status_code == 403
        auth.logout()


def test_nav_entries_per_role(client, auth, world):
    use_english(client)
    for user, label, href in ((world.mentor1, "My cohort", "/dashboards/mentor"),
                              (world.kopi_seller, "Dashboard", "/dashboards/seller"),
                              (world.approver_a, "Department dashboard", "/dashboards/department")):
        auth.login(user.email)
        html = client.get("/").get_data(as_text=True)
        assert href in html and label in html, user.email
        auth.logout()
    auth.login(world.purchaser_a.email)
    assert "/dashboards/department" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(world.admin.email)
    assert "/dashboards/admin" in client.get("/admin/").get_data(as_text=True)
