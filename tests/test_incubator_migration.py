"""Revision 0014 turns the stores' free-text cohort labels into cohorts and memberships,
with nothing lost, and gives the labels back on downgrade."""
from datetime import datetime, timezone

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.test_migrations import empty_app  # noqa: F401 - the fixture

WHEN = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)


def _insert_at_0009():
    db.session.execute(text(
        "INSERT INTO users (id, email, password_hash, full_name, phone, nip, job_title, active, session_version,"
        " created_at, failed_logins) VALUES (1, 'penjual@example.com', 'x', 'Penjual', '', '', '', :t, 1, :w, 0)"),
        {"w": WHEN, "t": True})
    for store_id, label in ((1, "Angkatan 2025"), (2, "Angkatan 2025"), (3, "Angkatan 2024"), (4, ""),
                            (5, "Kelas Khusus")):
        db.session.execute(text(
            "INSERT INTO stores (id, slug, name, description, kecamatan, address, phone, bank_name,"
            " bank_account_number, bank_account_holder, cohort, status, status_note, created_by_id, created_at,"
            " updated_at) VALUES (:id, :slug, :name, '', 'Pontianak Kota', '', '', '', '', '', :label, 'verified', '',"
            " 1, :w, :w)"), {"id": store_id, "slug": f"toko-{store_id}", "name": f"Toko {store_id}", "label": label,
                             "w": WHEN})
    db.session.commit()


def test_cohort_labels_become_cohorts_and_memberships(empty_app):  # noqa: F811
    with empty_app.app_context():
        upgrade(revision="0009")
        _insert_at_0009()
        upgrade(revision="0014")
        cohorts = dict(db.session.execute(text("SELECT name, year FROM cohorts")).all())
        assert cohorts == {"Angkatan 2025": 2025, "Angkatan 2024": 2024, "Kelas Khusus": 2025}
        stores = dict(db.session.execute(text(
            "SELECT s.id, c.name FROM stores s LEFT JOIN cohorts c ON c.id = s.cohort_id")).all())
        assert stores == {1: "Angkatan 2025", 2: "Angkatan 2025", 3: "Angkatan 2024", 4: None, 5: "Kelas Khusus"}
        members = db.session.execute(text(
            "SELECT m.store_id, c.name, m.left_at FROM cohort_memberships m JOIN cohorts c ON c.id = m.cohort_id"
            " ORDER BY m.store_id")).all()
        assert [(r[0], r[1], r[2]) for r in members] == [
            (1, "Angkatan 2025", None), (2, "Angkatan 2025", None), (3, "Angkatan 2024", None),
            (5, "Kelas Khusus", None)]
        db.session.commit()

        downgrade(revision="0009")
        labels = dict(db.session.execute(text("SELECT id, cohort FROM stores")).all())
        assert labels == {1: "Angkatan 2025", 2: "Angkatan 2025", 3: "Angkatan 2024", 4: "", 5: "Kelas Khusus"}
