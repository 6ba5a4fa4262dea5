"""Streamed CSV and XLSX downloads of dashboard tables (or any header + rows).

Nothing is built in memory as a whole:
- CSV: ``csv.writer`` writes each row into a one-line buffer that is yielded and
  emptied, so the response is a generator of lines;
- XLSX: openpyxl's write-only workbook appends rows as they come and is saved to a
  ``SpooledTemporaryFile`` (memory up to 1 MB, then disk), which is streamed back in
  64 kB chunks.
Rows may be any iterable (a generator over a query's results works).

Each column may name its kind (the dashboards' ``Column.kind``). In XLSX the kinds become
what a spreadsheet can count with: ``date`` and ``month`` real Excel dates, ``datetime`` an
Excel date-time (WIB, as the header says), ``money`` a number with a rupiah format,
``percent`` a fraction with a percent format, counts and measures numbers. CSV stays plain
data for other programs: ISO dates (``2026-12-06``, ``2026-12-06 20:35``) and bare numbers.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from datetime import date, datetime

from flask import Response, stream_with_context

CHUNK = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


# Excel number formats per column kind. Excel shows the month names and separators of the
# reader's own Excel language; the shapes follow the app's formats (app/i18n.py).
XLSX_FORMATS = {
    "date": "d mmm yyyy",
    "month": "mmm yyyy",
    "datetime": "d mmm yyyy hh:mm",
    "money": '"Rp" #,##0',
    "int": "#,##0",
    "number": "#,##0.0",
    "hours": "0.0",
    "rating": "0.00",
    "percent": "0.0%",
}


def _cell(value):
    if isinstance(value, (int, float)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_value(value, kind):
    """``value`` as the spreadsheet should hold it for a column of ``kind``."""
    if value is None or value == "":
        return None
    if kind in ("date", "month") and isinstance(value, str):
        try:
            return date.fromisoformat(value[:10] if kind == "date" else value[:7] + "-01")
        except ValueError:
            return spreadsheet_safe(value)
    if kind == "datetime" and isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; the header says WIB
    if kind == "percent" and isinstance(value, (int, float)):
        return value / 100.0
    if isinstance(value, (int, float, date)):
        return value
    return spreadsheet_safe(str(value))


def spreadsheet_safe(value):
    """Spreadsheet formula injection: text starting with = + - @ (or a tab or carriage return,
    which some spreadsheets skip before reading the formula) is prefixed with '. Every file a
    spreadsheet may open goes through here."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_lines(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return data

    buffer.write("\ufeff")  # BOM: spreadsheet programs then read UTF-8 correctly
    writer.writerow([spreadsheet_safe(_cell(h)) for h in header])
    yield flush()
    for row in rows:
        writer.writerow([spreadsheet_safe(_cell(v)) for v in row])
        yield flush()


def xlsx_chunks(header, rows, sheet_title="Data", kinds=None):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name(sheet_title))
    kinds = list(kinds or [])
    for index, label in enumerate(header):
        kind = kinds[index] if index < len(kinds) else "text"
        width = max(len(str(label)) + 2, 14 if kind in XLSX_FORMATS else 18)
        sheet.column_dimensions[_column_letter(index)].width = min(width, 48)
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=_cell(label))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            kind = kinds[index] if index < len(kinds) else "text"
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value, kind))
            if kind in XLSX_FORMATS and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = XLSX_FORMATS[kind]
            cells.append(cell)
        sheet.append(cells)
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        workbook.save(spool)
        spool.seek(0)
        while True:
            chunk = spool.read(CHUNK)
            if not chunk:
                break
            yield chunk


def sheet_name(title) -> str:
    """Excel's limits on a sheet tab (31 characters, no []:*?/\\), cut at a word."""
    text = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()
    if len(text) > 31:
        cut = text[:32].rsplit(" ", 1)[0]
        text = (cut if len(cut) >= 12 else text[:31]).rstrip(" ,;-(")
    return text or "Data"


def _column_letter(index):
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def filename(*parts, ext):
    slug = "-".join(re.sub(r"[^A-Za-z0-9]+", "-", str(p)).strip("-").lower() for p in parts if p)
    return f"{slug or 'export'}.{ext}"


def stream(fmt, header, rows, name, sheet_title="Data", kinds=None) -> Response:
    """A streamed download response of ``rows`` as ``fmt`` (csv or xlsx); ``kinds`` names
    each column's kind (see the module doc)."""
    if fmt == "csv":
        body, mimetype = csv_lines(header, rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = xlsx_chunks(header, rows, sheet_title, kinds), XLSX_TYPE
    else:
        raise ValueError(fmt)
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def stream_table(fmt, table, *name_parts) -> Response:
    header = [str(c.label) for c in table.columns]
    return stream(fmt, header, iter(table.rows), filename(*name_parts, table.key, ext=fmt),
                  sheet_title=str(table.title), kinds=[c.kind for c in table.columns])
