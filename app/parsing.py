"""Numbers, amounts and dates typed by people: one reading of each, used everywhere.

Why a module of its own: Python's ``str.isdigit()`` accepts ``²`` and ``①`` (which ``int()``
then refuses) and ``int()`` reads Arabic-Indic ``٣`` as 3. People type on phones with
other keyboards, so every place that read a number by hand disagreed with the next. Here
a number is ASCII digits and nothing else, bounded to what the database column holds.
"""
from __future__ import annotations

import re
from datetime import date
from typing import TypeGuard

from flask_babel import lazy_gettext as _l

# The integer columns (ids, money, stock) are 32-bit on PostgreSQL.
INT_MAX = 2**31 - 1
# The largest amount a person may type: below INT_MAX with room for sums of a few lines.
RUPIAH_MAX = 2_000_000_000

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
# "25.000", "1.250.000" (Indonesian) or "25,000" (English): groups of exactly three digits.
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*", re.ASCII)
_RP_PREFIX = re.compile(r"\Arp\.?", re.IGNORECASE)
# Spaces people paste: ordinary, no-break and narrow no-break.
_SPACES = re.compile(r"[ \u00a0\u202f\t]+")


class ParseError(ValueError):
    """A value a person typed that is not what the field asks for; ``message`` says what is."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def is_ascii_number(raw) -> TypeGuard[str]:
    """``raw`` is one or more ASCII digits and nothing else."""
    return isinstance(raw, str) and _DIGITS.fullmatch(raw) is not None


def parse_int(raw, *, minimum: int = 0, maximum: int = INT_MAX, message=None) -> int:
    """A whole number written with ASCII digits (a leading minus only where ``minimum`` < 0).

    Raises ParseError with ``message`` (or a general one) for anything else, and with a
    range message outside ``minimum``..``maximum``."""
    text = raw.strip() if isinstance(raw, str) else ("" if raw is None else str(raw))
    sign = 1
    if minimum < 0 and text.startswith("-"):
        sign, text = -1, text[1:]
    # A length bound before int(): int() of a 100 kB string is quadratic.
    if not is_ascii_number(text) or len(text) > 19:
        raise ParseError(message or _l("Enter a whole number, e.g. 12."))
    number = sign * int(text)
    if not minimum <= number <= maximum:
        raise ParseError(_l("Enter a number from %(lo)s to %(hi)s.", lo=minimum, hi=maximum))
    return number


def parse_optional_int(raw, **kwargs) -> int | None:
    """As parse_int, but an empty value is None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_int(raw, **kwargs)


MAX_QUANTITY = 100_000


def parse_quantity(raw) -> int:
    """How many of a product: a whole number from 1 to MAX_QUANTITY. A minus sign is read so
    that "-2" is told "at least 1" rather than "not a number"."""
    text = raw.strip() if isinstance(raw, str) else ("" if raw is None else str(raw))
    digits = text[1:] if text.startswith("-") else text
    if not is_ascii_number(digits) or len(digits) > 12:
        raise ParseError(_l("Enter the quantity as a whole number."))
    value = int(digits) * (-1 if text.startswith("-") else 1)
    if value <= 0:
        raise ParseError(_l("The quantity must be at least 1."))
    if value > MAX_QUANTITY:
        raise ParseError(_l("The quantity is too large."))
    return value


RUPIAH_MESSAGE = _l("Enter the amount in whole rupiah, e.g. 25.000 (no decimals, not negative).")


def parse_rupiah(raw, *, minimum: int = 0, maximum: int = RUPIAH_MAX, message=None) -> int:
    """An amount of whole rupiah as people write it: "Rp 25.000", "Rp25.000", "25.000",
    "25,000" or "25000". Refuses negatives, decimals ("25.000,50", "2.5") and anything else,
    with one message."""
    error = ParseError(message or RUPIAH_MESSAGE)
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str):
        text = _SPACES.sub("", raw.strip())
        text = _RP_PREFIX.sub("", text)
        if len(text) > 20:
            raise error
        if is_ascii_number(text):
            number = int(text)
        elif _GROUPED.fullmatch(text):
            number = int(text.replace(".", "").replace(",", ""))
        else:
            raise error
    else:
        raise error
    if number < minimum:
        raise ParseError(_l("Enter an amount of at least Rp %(lo)s.", lo=_dotted(minimum)))
    if number > maximum:
        raise ParseError(_l("Enter an amount of at most Rp %(hi)s.", hi=_dotted(maximum)))
    return number


def parse_optional_rupiah(raw, **kwargs) -> int | None:
    """As parse_rupiah, but an empty value is None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_rupiah(raw, **kwargs)


def parse_day(raw, *, message=None) -> date:
    """A date from a date field (``YYYY-MM-DD``, what browsers send)."""
    text = raw.strip() if isinstance(raw, str) else ""
    # fromisoformat also reads "20261206" and week dates; a date field sends only this shape.
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
        raise ParseError(message or _l("Enter a date, e.g. 2026-12-31."))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParseError(message or _l("Enter a date, e.g. 2026-12-31.")) from None


def parse_optional_day(raw, **kwargs) -> date | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_day(raw, **kwargs)


def _dotted(number: int) -> str:
    return f"{number:,}".replace(",", ".")
