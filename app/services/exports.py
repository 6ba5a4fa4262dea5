"""Streamed CSV and XLSX downloads of dashboard tables (or any header + rows).

Nothing is built in memory as a whole:
- CSV: ``csv.writer`` writes each row into a one-line buffer that is yielded and
  emptied, so the response is a generator of lines;
- XLSX: openpyxl's write-only workbook appends rows as they come and is saved to a
  ``SpooledTemporaryFile`` (memory up to 1 MB, then disk), which is streamed back in
  64 kB chunks.
Rows may be any iterable (a generator over a query's results works).
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


def _cell(value):
    if isinstance(value, (int, float)) or value is None:
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


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


def xlsx_chunks(header, rows, sheet_title="Data"):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", str(sheet_title))[:31] or "Data")
    sheet.append([_cell(h) for h in header])
    for row in rows:
        sheet.append([spreadsheet_safe(_cell(v)) for v in row])
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        workbook.save(spool)
        spool.seek(0)
        while True:
            chunk = spool.read(CHUNK)
            if not chunk:
                break
            yield chunk


def filename(*parts, ext):
    slug = "-".join(re.sub(r"[^A-Za-z0-9]+", "-", str(p)).strip("-").lower() for p in parts if p)
    return f"{slug or 'export'}.{ext}"


def stream(fmt, header, rows, name, sheet_title="Data") -> Response:
    """A streamed download response of ``rows`` as ``fmt`` (csv or xlsx)."""
    if fmt == "csv":
        body, mimetype = csv_lines(header, rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = xlsx_chunks(header, rows, sheet_title), XLSX_TYPE
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
                  sheet_title=str(table.title))
