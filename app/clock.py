"""The app's notion of now. Every rule that depends on time (expiry of documents,
auto-cancel, auto-complete) reads it from here, so tests can move the clock with
``clock.travel(...)`` instead of waiting."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Pontianak")
_offset = timedelta(0)


def now() -> datetime:
    """The current time in UTC (aware)."""
    return datetime.now(timezone.utc) + _offset


def local_now() -> datetime:
    return now().astimezone(LOCAL_TZ)


def today() -> date:
    """Today's date in Pontianak (WIB): the date that decides whether a document is valid."""
    return local_now().date()


def travel(delta: timedelta | None = None, **kwargs) -> None:
    """Move the clock forward by ``delta`` (or timedelta(**kwargs)). For tests."""
    global _offset
    _offset += delta if delta is not None else timedelta(**kwargs)


def reset() -> None:
    global _offset
    _offset = timedelta(0)
