"""What an id is, wherever it arrives (a URL, a query string, a form): ASCII digits naming a
row that can exist.

Every table's id is an INTEGER column: 32 bits on PostgreSQL, where 2**31 in a query raises
NumericValueOutOfRange, 64 bits on SQLite, where 2**63 overflows. An id outside the column's
range names nothing, so it is answered as "not found" before it reaches the database.
"""
from werkzeug.routing import IntegerConverter

from app import parsing

_ID_DIGITS = len(str(parsing.INT_MAX))


class IdConverter(IntegerConverter):
    """The app's ``<int:...>``: 1..INT_MAX in ASCII digits, else the rule does not match (404).
    Werkzeug's own takes any Unicode digit (``/orders/٣`` would open order 3) and any size."""

    regex = rf"[0-9]{{1,{_ID_DIGITS}}}"

    def __init__(self, map, fixed_digits=0, min=1, max=parsing.INT_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


def parse_id(raw):
    """An id sent as text (``?store=12``, a hidden field): the number, or None when it cannot
    name a row. Usable as ``request.args.get("store", type=parse_id)``."""
    try:
        return parsing.parse_int(raw, minimum=1)
    except parsing.ParseError:
        return None


def register(app):
    """Before any blueprint: a rule takes its converter when it is added."""
    app.url_map.converters["int"] = IdConverter
