"""Declarative base with a naming convention, so migrations get stable names."""
from datetime import timezone
from typing import Any, cast

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import CursorResult, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow():
    """Current time in UTC, evaluated per call (never at import); follows app.clock."""
    from app import clock

    return clock.now()


def rows_matched(result) -> int:
    """How many rows an UPDATE or DELETE matched: what a guarded claim checks. Session.execute
    is typed to give a Result; for these statements it is a CursorResult, which counts."""
    return cast("CursorResult[Any]", result).rowcount


class UTCDateTime(TypeDecorator):
    """Stores UTC; always gives back an aware datetime, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _CountingLess(SelectPagination):
    """A pagination that counts only when the page is full (``paginate_counting_less``); with
    ``params``, of a statement built once whose LIMIT and OFFSET are bound per call."""

    def _query_items(self):
        params = self._query_args.get("params")
        if params is None:
            return super()._query_items()
        session = self._query_args["session"]
        bound = {**params, PAGE_LIMIT: self.per_page, PAGE_OFFSET: self._query_offset}
        return list(session.execute(self._query_args["select"], bound).unique().scalars())

    def _query_count(self):
        if len(self.items) < self.per_page and (self.items or self.page == 1):
            return self._query_offset + len(self.items)
        params = self._query_args.get("params")
        if params is not None:  # Flask-SQLAlchemy's count, of the same rows: values bound, no page
            select = self._query_args["select"].limit(None).offset(None).params(params)
            self._query_args = {**self._query_args, "select": select}
        return super()._query_count()


#: The names a prebuilt page's statement binds its LIMIT and OFFSET to (``page_of``).
PAGE_LIMIT, PAGE_OFFSET = "pkb_page_limit", "pkb_page_offset"


def paginate_counting_less(select, *, page, per_page, params=None):
    """``db.paginate(select, ...)`` that runs the count only when the page is full: a short
    page (most people's first page of their orders) is the last, so its rows tell the total.

    With ``params``, ``select`` is a statement built once (``page_of``), run with these
    values: building an ORM select and its cache key cost more than running it for a page of
    a person's own rows."""
    from app.extensions import db

    return _CountingLess(select=select, session=db.session(), page=page, per_page=per_page, error_out=False,
                         params=params)


def page_of(select):
    """``select`` with its LIMIT and OFFSET as bound values, for ``paginate_counting_less``."""
    from sqlalchemy import bindparam

    return select.limit(bindparam(PAGE_LIMIT)).offset(bindparam(PAGE_OFFSET))
