"""The audit log viewer: admins only, filters, before/after, paging, and no way to change
entries from the app."""
from datetime import datetime, timezone

import pytest

from app.extensions import db
from app.models import AuditEntry
from tests.order_helpers import use_english


@pytest.fixture
def entries(factories):
    admin = factories.AdminFactory(full_name="Dewi Lestari", email="dewi.audit@pontianak.go.id")
    mentor = factories.MentorFactory(full_name="Mentor Audit", email="mentor.audit@inkubator.test")
    rows = [
        AuditEntry(actor_id=admin.id, action="order.treasury_paid", object_type="order", object_id=12,
                   before={"state": "invoiced"}, after={"state": "completed", "amount": 150000},
                   created_at=datetime(2025, 3, 20, 3, tzinfo=timezone.utc)),
        AuditEntry(actor_id=mentor.id, action="listing.approved", object_type="product", object_id=7,
                   before={"status": "submitted"}, after={"status": "approved"},
                   created_at=datetime(2025, 3, 10, 3, tzinfo=timezone.utc)),
        AuditEntry(actor_id=None, action="order.expired", object_type="order", object_id=13,
                   before={"state": "awaiting_approval"}, after={"state": "expired"},
                   created_at=datetime(2025, 4, 2, 3, tzinfo=timezone.utc)),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return admin, mentor


def test_admin_sees_entries_with_before_and_after(client, auth, entries):
    admin, _mentor = entries
    auth.login(admin.email)
    use_english(client)
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "order.treasury_paid" in html and "listing.approved" in html and "order.expired" in html
    assert "&#34;state&#34;: &#34;invoiced&#34;" in html or '"state": "invoiced"' in html
    assert "&#34;amount&#34;: 150000" in html or '"amount": 150000' in html
    assert (html.index("<code>order.expired</code>") < html.index("<code>order.treasury_paid</code>")
            < html.index("<code>listing.approved</code>"))


@pytest.mark.parametrize("args, shown, hidden", [
    ({"actor": "mentor.audit"}, ["listing.approved"], ["order.treasury_paid", "order.expired"]),
    ({"object_type": "order"}, ["order.treasury_paid", "order.expired"], ["listing.approved"]),
    ({"object_type": "order", "object_id": "13"}, ["order.expired"], ["order.treasury_paid"]),
    ({"action": "listing.approved"}, ["listing.approved"], ["order.expired"]),
    ({"from": "2025-03-15", "to": "2025-03-31"}, ["order.treasury_paid"], ["listing.approved", "order.expired"]),
])
def test_filters(client, auth, entries, args, shown, hidden):
    auth.login(entries[0].email)
    html = client.get("/admin/audit/", query_string=args).get_data(as_text=True)
    for text in shown:
        assert f"<code>{text}</code>" in html
    for text in hidden:
        assert f"<code>{text}</code>" not in html


def test_bad_filters_say_what_is_wrong(client, auth, entries):
    auth.login(entries[0].email)
    use_english(client)
    response = client.get("/admin/audit/", query_string={"from": "2025-03-31", "to": "2025-03-01"})
    assert response.status_code == 422 and "is after the end date" in response.get_data(as_text=True)
    response = client.get("/admin/audit/", query_string={"object_id": "abc"})
    assert response.status_code == 422 and "The object id is a number." in response.get_data(as_text=True)


def test_paginated(client, auth, entries):
    admin = entries[0]
    db.session.add_all([AuditEntry(actor_id=admin.id, action="bulk.test", object_type="thing", object_id=i)
                        for i in range(60)])
    db.session.commit()
    auth.login(admin.email)
    first = client.get("/admin/audit/", query_string={"action": "bulk.test"}).get_data(as_text=True)
    assert first.count("<code>bulk.test</code>") == 50
    assert "page=2" in first
    second = client.get("/admin/audit/", query_string={"action": "bulk.test", "page": 2}).get_data(as_text=True)
    assert second.count("<code>bulk.test</code>") == 10


def test_only_admins(client, auth, entries):
    _admin, mentor = entries
    auth.login(mentor.email)
    assert client.get("/admin/audit/").status_code == 403


def test_no_route_can_change_entries(app, client, auth, entries):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/audit")]
    assert rules
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    auth.login(entries[0].email)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/admin/audit/").status_code == 405
    # And no other route of the app is about audit entries.
    assert not [r.rule for r in app.url_map.iter_rules() if "audit" in r.rule and not r.rule.startswith("/admin/audit")]
    assert db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one() == 3
