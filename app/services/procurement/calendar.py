"""Working days: the public holidays (national ones seeded, others added by an admin) and the
approval deadline counted in working days in Asia/Pontianak."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from app.extensions import db
from app.i18n import local_date
from app.models import (
    PublicHoliday,
)
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit, working_days
from app.services.procurement.terms import APPROVAL_WORKING_DAYS

# Indonesian national holidays and collective leave (cuti bersama), approximate.
NATIONAL_HOLIDAYS = [
    ("2026-01-01", "Tahun Baru 2026 Masehi"),
    ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW"),
    ("2026-03-19", "Hari Suci Nyepi (Tahun Baru Saka 1948)"),
    ("2026-03-20", "Hari Raya Idul Fitri 1447 H"),
    ("2026-03-21", "Hari Raya Idul Fitri 1447 H"),
    ("2026-03-18", "Cuti bersama Idul Fitri"),
    ("2026-03-23", "Cuti bersama Idul Fitri"),
    ("2026-03-24", "Cuti bersama Idul Fitri"),
    ("2026-04-03", "Wafat Isa Almasih"),
    ("2026-05-01", "Hari Buruh Internasional"),
    ("2026-05-14", "Kenaikan Isa Almasih"),
    ("2026-05-27", "Hari Raya Idul Adha 1447 H"),
    ("2026-05-31", "Hari Raya Waisak 2570 BE"),
    ("2026-06-01", "Hari Lahir Pancasila"),
    ("2026-06-16", "Tahun Baru Islam 1448 H"),
    ("2026-08-17", "Hari Kemerdekaan Republik Indonesia"),
    ("2026-08-25", "Maulid Nabi Muhammad SAW"),
    ("2026-12-24", "Cuti bersama Hari Raya Natal"),
    ("2026-12-25", "Hari Raya Natal"),
    ("2027-01-01", "Tahun Baru 2027 Masehi"),
    ("2027-01-05", "Isra Mikraj Nabi Muhammad SAW"),
    ("2027-03-08", "Hari Suci Nyepi (Tahun Baru Saka 1949)"),
    ("2027-03-10", "Hari Raya Idul Fitri 1448 H"),
    ("2027-03-11", "Hari Raya Idul Fitri 1448 H"),
    ("2027-03-12", "Cuti bersama Idul Fitri"),
    ("2027-03-15", "Cuti bersama Idul Fitri"),
    ("2027-03-26", "Wafat Isa Almasih"),
    ("2027-05-01", "Hari Buruh Internasional"),
    ("2027-05-06", "Kenaikan Isa Almasih"),
    ("2027-05-17", "Hari Raya Idul Adha 1448 H"),
    ("2027-05-20", "Hari Raya Waisak 2571 BE"),
    ("2027-06-01", "Hari Lahir Pancasila"),
    ("2027-06-06", "Tahun Baru Islam 1449 H"),
    ("2027-08-15", "Maulid Nabi Muhammad SAW"),
    ("2027-08-17", "Hari Kemerdekaan Republik Indonesia"),
    ("2027-12-24", "Cuti bersama Hari Raya Natal"),
    ("2027-12-25", "Hari Raya Natal"),
]

def holidays():
    return db.session.execute(db.select(PublicHoliday).order_by(PublicHoliday.day)).scalars().all()


def add_holiday(actor, day: date | None, name: str | None):
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only the programme admin manages holidays."))
    name = (name or "").strip()
    if not isinstance(day, date):
        raise Invalid(_("Enter the holiday's date."))
    if not name or len(name) > 120:
        raise Invalid(_("Enter the holiday's name (at most 120 characters)."))
    if db.session.execute(db.select(PublicHoliday).where(PublicHoliday.day == day)).scalar_one_or_none():
        raise Conflict(_("%(date)s is already a holiday.", date=local_date(day)))
    row = PublicHoliday(day=day, name=name)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "holiday.add", row, after={"day": day.isoformat(), "name": name})
    db.session.commit()
    return row


def delete_holiday(actor, holiday_id):
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only the programme admin manages holidays."))
    row = db.session.get(PublicHoliday, holiday_id)
    if row is None:
        raise NotFound(_("This holiday does not exist."))
    audit.record(actor, "holiday.delete", row, before={"day": row.day.isoformat(), "name": row.name})
    db.session.delete(row)
    db.session.commit()


def seed_national_holidays() -> int:
    """Add the national holidays of 2026–2027 that are missing. Idempotent; no commit."""
    have = set(db.session.execute(db.select(PublicHoliday.day)).scalars())
    added = 0
    for iso, name in NATIONAL_HOLIDAYS:
        day = date.fromisoformat(iso)
        if day not in have:
            db.session.add(PublicHoliday(day=day, name=name))
            have.add(day)
            added += 1
    return added


def _holiday_set(start: date, end: date) -> set[date]:
    return working_days.holiday_days(start, end)


def is_working_day(day: date, holiday_days=None) -> bool:
    return working_days.is_working_day(day, holiday_days)


def approval_deadline(requested_at: datetime) -> datetime:
    """The moment (UTC) an unapproved order expires: the end of the 3rd working day
    after the day it was placed, in Pontianak time."""
    return working_days.end_of_working_days(requested_at, APPROVAL_WORKING_DAYS)
