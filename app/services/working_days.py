"""Working days in Pontianak: Monday to Friday minus the public holidays. The one place
every deadline counted in working days reads (the approver's, the store's answer)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app import clock
from app.clock import LOCAL_TZ
from app.extensions import db
from app.models import PublicHoliday


def holiday_days(start: date, end: date) -> set[date]:
    with db.session.no_autoflush:  # called while an order is being built (checkout)
        return set(db.session.execute(
            db.select(PublicHoliday.day).where(PublicHoliday.day >= start, PublicHoliday.day <= end)
        ).scalars())


def is_working_day(day: date, holidays: set[date] | None = None) -> bool:
    holidays = holiday_days(day, day) if holidays is None else holidays
    return day.weekday() < 5 and day not in holidays


def end_of_working_days(moment: datetime, days: int, holidays: set[date] | None = None) -> datetime:
    """The moment (UTC) the ``days``-th working day after the local day of ``moment`` ends:
    placed on Friday with 1 working day, it ends when Tuesday begins (WIB)."""
    start = moment.astimezone(LOCAL_TZ).date()
    if holidays is None:
        holidays = holiday_days(start, start + timedelta(days=14 + 3 * days))
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ).astimezone(clock.now().tzinfo)
