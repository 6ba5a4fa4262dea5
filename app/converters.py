"""What a URL's parameters may be, for every route (the app replaces werkzeug's converters),
and what an id is wherever it arrives (a URL, a query string, a form).

An id is ASCII digits naming a row that can exist. Every table's id is an INTEGER column: 32
bits on PostgreSQL, where 2**31 in a query raises NumericValueOutOfRange, 64 bits on SQLite,
where 2**63 overflows. An id outside the column's range names nothing, so it is answered as
"not found" before it reaches the database. A name in a URL (a slug, a token, a file key)
never holds a control character: PostgreSQL refuses NUL in text, so ``/produk/a%00b`` is
"not found" here too, instead of an error in the query.
"""
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from app import parsing

_ID_DIGITS = len(str(parsing.INT_MAX))


class IdConverter(IntegerConverter):
    """The app's ``<int:...>``: 1..INT_MAX in ASCII digits, else the rule does not match (404).
    Werkzeug's own takes any Unicode digit (``/orders/٣`` would open order 3) and any size."""

    regex = rf"[0-9]{{1,{_ID_DIGITS}}}"

    def __init__(self, map, fixed_digits=0, min=1, max=parsing.INT_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


# C0 controls and DEL, as a regular-expression class (the pattern, not the characters).
_CONTROLS = r"\x00-\x1f\x7f"


class TextConverter(UnicodeConverter):
    """The app's ``<name>`` and ``<string:name>``: werkzeug's, without control characters."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's names
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", f"[^/{_CONTROLS}]")


class KeyConverter(PathConverter):
    """The app's ``<path:name>`` (file keys): werkzeug's, without control characters."""

    regex = f"[^/{_CONTROLS}][^{_CONTROLS}]*?"


def parse_id(raw):
    """An id sent as text (``?store=12``, a hidden field): the number, or None when it cannot
    name a row. Usable as ``request.args.get("store", type=parse_id)``."""
    try:
        return parsing.parse_int(raw, minimum=1)
    except parsing.ParseError:
        return None


def register(app):
    """Before any blueprint: a rule takes its converter when it is added."""
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter, path=KeyConverter)
