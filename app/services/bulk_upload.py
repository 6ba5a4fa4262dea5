"""Bulk upload of products from an XLSX file (the seller's spreadsheet).

Rules kept here:
- a template per category (``template_for``): one sheet of columns (headers in the seller's
  language, two example rows) and a sheet that says what each column takes and whether it
  is required. ``columns_for(category)`` is THE list of a category's columns: the base
  fields of a product, then one column per option group of the category (``Ukuran``,
  ``Warna``: its name as the category spells it, any case) holding the values separated by
  commas ("S, M, L"); the row checker reads whatever it lists;
- a file is refused before it is parsed when it is larger than BULK_UPLOAD_MAX_MB, and as
  a whole when it is not an XLSX workbook, when its header lacks a required column or has
  one nobody knows, or when it has more than BULK_UPLOAD_MAX_ROWS rows;
- every row is checked before anything is written, with the same rules as the product
  form (app.parsing for numbers and amounts, services.listings for names, units, ranges):
  a formula, an amount like "abc", a category that does not exist is a problem of that
  row, named by its row number, in the seller's language; option cells go through
  ``listings.clean_options`` (values given twice, too many values, forbidden characters,
  too many combinations), and a value in the option column of another category is a
  problem of the row;
- nothing is imported while any row has a problem, unless the seller asks for the clean
  rows only; imported products are drafts of the seller's store (photos, then review),
  inserted in one transaction with one audit entry each, and one commit. A row without
  options gets the default variant with the row's stock; with options, every combination
  is a variant starting with the row's stock (the seller then sets each on the product's
  “Variants and stock” page), and ``Product.stock`` is their sum.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.authz import is_member
from app.extensions import db
from app.labels import PRODUCT_FIELD_LABELS
from app.models import (
    MAX_OPTION_VALUES,
    MAX_OPTIONS,
    MAX_VARIANTS,
    UNITS,
    Category,
    Product,
    ProductVariant,
    Store,
)
from app.parsing import ParseError, parse_int, parse_rupiah
from app.services import Conflict, DomainError, Invalid, NotFound, audit
from app.services import listings

SHEET = "Produk"
HELP_SHEET = "Petunjuk"
MAX_CELL_CHARS = 5000


def max_rows() -> int:
    return int(current_app.config.get("BULK_UPLOAD_MAX_ROWS", 2000))


def max_bytes() -> int:
    return int(current_app.config.get("BULK_UPLOAD_MAX_MB", 2)) * 1024 * 1024


# ---------------------------------------------------------------- the columns

@dataclass(frozen=True)
class Column:
    """One column of the template. ``read(raw)`` turns a cell into the value the product
    service takes (or raises ParseError with the message for the seller); None: empty."""

    key: str
    label: Any
    required: bool
    examples: tuple
    help: Any
    read: Callable[[Any], Any]
    option_group: str = ""  # an option column: the group's name as the row's category spells it


def _text(raw):
    if raw is None:
        return None
    text = str(raw).strip()
    if len(text) > MAX_CELL_CHARS:
        raise ParseError(_l("Keep it under %(n)d characters.", n=MAX_CELL_CHARS))
    return text or None


def _number(raw, read):
    """A cell may hold a number (Excel) or text (typed, or a CSV pasted in)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ParseError(_l("Enter a whole number, e.g. 12."))
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ParseError(_l("Enter a whole number, e.g. 12."))
        raw = int(raw)
    return read(raw if isinstance(raw, int) else str(raw))


def _price(raw):
    if isinstance(raw, float) and not raw.is_integer():
        raise ParseError(_l("Enter the amount in whole rupiah, e.g. 25.000 (no decimals, not negative)."))
    return _number(raw, lambda v: parse_rupiah(v, minimum=100))


def _whole(maximum, minimum=0):
    return lambda raw: _number(raw, lambda v: parse_int(v, minimum=minimum, maximum=maximum))


def _unit(raw):
    text = (_text(raw) or "").lower()
    if not text:
        return None
    if text not in UNITS:
        raise ParseError(_l("Use one of: %(units)s.", units=", ".join(UNITS)))
    return text


BASE_COLUMNS = (
    Column("name", PRODUCT_FIELD_LABELS["name"], True, ("Kopi bubuk robusta 250 g", "Syal corak insang biru"),
           _l("3 to 140 characters."), _text),
    Column("category", PRODUCT_FIELD_LABELS["category_id"], True, (),
           _l("The category of the template (its name or code)."), _text),
    Column("price", PRODUCT_FIELD_LABELS["price"], True, (45000, "Rp 250.000"),
           _l("Whole rupiah, e.g. 25.000."), _price),
    Column("stock", PRODUCT_FIELD_LABELS["stock"], False, (40, 12), _l("A whole number; empty is 0."),
           _whole(1_000_000)),
    Column("unit", PRODUCT_FIELD_LABELS["unit"], False, ("paket", "lembar"),
           _l("pcs, botol, lembar or paket; empty is pcs."), _unit),
    Column("description", PRODUCT_FIELD_LABELS["description"], False,
           ("Robusta dari kebun Kalimantan Barat, disangrai di Pontianak.", "Tenun motif corak insang, 180 x 60 cm."),
           _l("Optional."), _text),
    Column("weight_grams", PRODUCT_FIELD_LABELS["weight_grams"], False, (250, 150), _l("Optional."),
           _whole(1_000_000)),
    Column("min_order", PRODUCT_FIELD_LABELS["min_order"], False, (1, 1), _l("Empty is 1."),
           _whole(100_000, minimum=1)),
    Column("lead_time_days", PRODUCT_FIELD_LABELS["lead_time_days"], False, (0, 3), _l("Empty is 0."),
           _whole(365)),
)


# Example values of the option groups categories usually name (folded name -> two rows).
OPTION_EXAMPLES = {
    "ukuran": ("S, M, L, XL", "M, L"), "size": ("S, M, L, XL", "M, L"),
    "warna": ("Merah, Biru", "Hitam"), "colour": ("Red, Blue", "Black"), "color": ("Red, Blue", "Black"),
    "motif": ("Corak insang, Pucuk rebung", "Corak insang"), "pattern": ("Corak insang, Pucuk rebung", "Corak insang"),
    "isi": ("250 ml, 1 liter", "250 g"), "rasa": ("Original, Pedas", "Original"),
    "flavour": ("Original, Spicy", "Original"), "flavor": ("Original, Spicy", "Original"),
}
# The row's stock: with options it is each variant's starting stock.
STOCK_WITH_OPTIONS = _l("A whole number; empty is 0. With options, each variant starts with this stock.")


def _option_key(name) -> str:
    return f"option:{_fold(name)}"


def _option_examples(name) -> tuple:
    found = OPTION_EXAMPLES.get(_fold(name))
    if found:
        return found
    short = str(name)[:30]
    return (f"{short} 1, {short} 2", f"{short} 1")


def _option_column(name) -> Column:
    examples = _option_examples(name)
    return Column(_option_key(name), name, False, examples,
                  _l("Values separated by commas, e.g. “%(example)s”: at most %(n)d, each once. "
                     "Empty: no variants of this kind.", example=examples[0], n=MAX_OPTION_VALUES),
                  _text, option_group=name)


def columns_for(category: Category) -> tuple[Column, ...]:
    """THE columns of a category's template and rows: the base fields, then one column per
    option group the category names (its variants' values, separated by commas)."""
    groups = list(category.option_groups or []) if category is not None else []
    if not groups:
        return BASE_COLUMNS
    base = tuple(replace(c, help=STOCK_WITH_OPTIONS) if c.key == "stock" else c for c in BASE_COLUMNS)
    return base + tuple(_option_column(name) for name in groups)


def known_columns(categories) -> tuple[Column, ...]:
    """Every column some category's template has: a header naming anything else is unknown."""
    seen: dict[str, Column] = {c.key: c for c in BASE_COLUMNS}
    for category in categories:
        for column in columns_for(category):
            seen.setdefault(column.key, column)
    return tuple(seen.values())


def _header_names(column) -> set[str]:
    """What a header cell may say for ``column``: its label in either language, or its key
    (an option column: the group's name only, in any case)."""
    if column.option_group:
        return {_fold(column.label)}
    names = {column.key}
    for locale in current_app.config.get("LANGUAGES", ["id", "en"]):
        with force_locale(locale):
            names.add(str(column.label))
    return {_fold(n) for n in names}


def _fold(value) -> str:
    return " ".join(str(value or "").replace("*", " ").split()).lower()


# ---------------------------------------------------------------- the template

def template_for(category: Category) -> bytes:
    """An XLSX template for ``category``: headers (required ones marked *), two examples,
    and a sheet of instructions, in the current language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from app.services.exports import spreadsheet_safe

    columns = columns_for(category)
    book = Workbook()
    book.remove(book.worksheets[0])
    sheet = book.create_sheet(SHEET)
    sheet.append([f"{c.label} *" if c.required else str(c.label) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # The first example fills two option columns, the second one (at most MAX_OPTIONS, and
    # far fewer than MAX_VARIANTS combinations): the template itself imports cleanly.
    option_columns = [c for c in columns if c.option_group]
    shown = ({c.key for c in option_columns[:min(2, MAX_OPTIONS)]}, {c.key for c in option_columns[:1]})
    for i in range(2):
        sheet.append([spreadsheet_safe(category.name_id if c.key == "category" else
                                       None if c.option_group and c.key not in shown[i] else
                                       (c.examples[i] if len(c.examples) > i else None)) for c in columns])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(str(column.label)) + 4)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.append([_("Column"), _("Required"), _("What it takes")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in columns:
        help_sheet.append([str(column.label), _("yes") if column.required else _("no"), str(column.help)])
    help_sheet.append([])
    help_sheet.append([_("Category"), category.name_id, category.slug])
    help_sheet.append([_("Replace the two example rows with your products; at most %(n)d rows.", n=max_rows())])
    if option_columns:
        help_sheet.append([_("Options (%(names)s): type the values separated by commas, e.g. “S, M, L”; at most "
                             "%(values)d values in a cell, each once, at most %(options)d options and %(variants)d "
                             "combinations in a product. Leave them empty for a product without variants.",
                             names=", ".join(str(c.label) for c in option_columns), values=MAX_OPTION_VALUES,
                             options=MAX_OPTIONS, variants=MAX_VARIANTS)])
        help_sheet.append([_("Every combination becomes a variant (S / Merah, M / Merah, ...) and each starts with "
                             "the row's stock: set each variant's own stock on the product's page, "
                             "“Variants and stock”.")])
    help_sheet.append([_("Type values, not formulas. Products arrive as drafts: add photos, then submit them "
                         "for review.")])
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["C"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- checking

@dataclass
class Row:
    number: int  # the row number in the spreadsheet (the header is row 1)
    values: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


@dataclass
class Report:
    """What checking a file found: problems of the whole file, or each row's problems."""

    file_problems: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    imported: int = 0

    @property
    def bad_rows(self):
        return [r for r in self.rows if r.problems]

    @property
    def clean_rows(self):
        return [r for r in self.rows if not r.problems]

    @property
    def is_clean(self) -> bool:
        return not self.file_problems and not self.bad_rows and bool(self.rows)


def _open(data: bytes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the rows; formulas are kept as formulas (data_only=False) so they are seen.
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError):
        return None


def _is_formula(cell) -> bool:
    return getattr(cell, "data_type", None) == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))


def _categories(rows) -> dict[str, Category]:
    """Every category by its folded slug and names (a file names a category either way)."""
    found: dict[str, Category] = {}
    for category in rows:
        for name in (category.slug, category.name_id, category.name_en):
            found.setdefault(_fold(name), category)
    return found


def check_file(data: bytes) -> Report:
    """Read and check every row of an uploaded file; nothing is written."""
    report = Report()
    if len(data) > max_bytes():
        report.file_problems.append(_("The file is larger than %(n)d MB.", n=max_bytes() // (1024 * 1024)))
        return report
    book = _open(data)
    if book is None:
        report.file_problems.append(
            _("This is not an XLSX file. Download the template, fill it in and save it as .xlsx."))
        return report
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows()
        header = next(rows, None)
        category_rows = db.session.execute(db.select(Category)).scalars().all()
        columns = known_columns(category_rows)
        names = [(_fold(c.value) if c.value is not None else "") for c in (header or ())]
        by_name: dict[str, Column] = {}
        for column in columns:
            for name in _header_names(column):
                # A base column keeps its header should a category name an option group alike.
                by_name.setdefault(name, column)
        positions: dict[str, int] = {}
        unknown: list[str] = []
        cells = list(header or ())
        for index, name in enumerate(names):
            if not name:
                continue
            found = by_name.get(name)
            if found is None:
                unknown.append(str(cells[index].value))
            elif found.key in positions:
                report.file_problems.append(_("The column “%(name)s” appears twice.", name=cells[index].value))
            else:
                positions[found.key] = index
        missing = [str(c.label) for c in columns if c.required and c.key not in positions]
        if missing:
            report.file_problems.append(_("Required columns are missing: %(names)s. Use the template.",
                                          names=", ".join(missing)))
        if unknown:
            report.file_problems.append(_("Unknown columns: %(names)s. Use the template's columns.",
                                          names=", ".join(unknown)))
        if report.file_problems:
            return report
        categories = _categories(category_rows)
        category_columns = {c.id: columns_for(c) for c in category_rows}
        labels = {c.key: str(c.label) for c in columns}
        limit = max_rows()
        for number, cells in enumerate(rows, start=2):
            if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
                continue
            if len(report.rows) >= limit:
                report.rows = []
                report.file_problems.append(_("The file has more than %(n)d rows. Split it into files of at most "
                                              "%(n)d rows.", n=limit))
                return report
            report.rows.append(_check_row(number, cells, positions, categories, category_columns, labels))
    finally:
        book.close()
    if not report.rows:
        report.file_problems.append(_("The file has no products under the header row."))
    return report


def _check_row(number, cells, positions, categories, category_columns, labels) -> Row:
    row = Row(number)
    raw: dict[str, Any] = {}
    for key, index in positions.items():
        cell = cells[index] if index < len(cells) else None
        if cell is None:
            raw[key] = None
            continue
        if _is_formula(cell):
            row.problems.append(_("%(column)s: a formula (%(formula)s); type the value itself.",
                                  column=_label(key), formula=str(cell.value)[:40]))
            raw[key] = None
            continue
        raw[key] = cell.value
    category = None
    category_column = next(c for c in BASE_COLUMNS if c.key == "category")
    try:
        category_name = category_column.read(raw.get("category"))
    except ParseError as error:
        category_name = None
        row.problems.append(f"{category_column.label}: {error.message}")
    if category_name:
        category = categories.get(_fold(category_name))
        if category is None:
            row.problems.append(_("%(column)s: there is no category “%(name)s”.", column=category_column.label,
                                  name=category_name))
    elif not _reported(row, category_column):
        row.problems.append(_("%(column)s: required.", column=category_column.label))
    # The row is read by its category's columns (the base fields, and what columns_for adds).
    values: dict[str, Any] = {}
    own_columns = category_columns[category.id] if category is not None else BASE_COLUMNS
    for column in own_columns:
        if column.key == "category":
            continue
        if column.key not in positions:
            if category is not None and column.required:
                row.problems.append(_("%(column)s: the template of %(category)s has this column; download it again.",
                                      column=column.label, category=category.name_id))
            continue
        try:
            values[column.key] = column.read(raw.get(column.key))
        except ParseError as error:
            row.problems.append(f"{column.label}: {error.message}")
            continue
        if column.required and values[column.key] is None and not _reported(row, column):
            row.problems.append(_("%(column)s: required.", column=column.label))
    options = _check_options(row, category, own_columns, values, raw, labels)
    if row.problems:
        return row
    data = {
        "name": values["name"], "description": values.get("description") or "",
        "category_id": category.id if category is not None else None,
        "unit": values.get("unit") or "pcs", "price": values["price"], "stock": values.get("stock") or 0,
        "weight_grams": values.get("weight_grams") or 0, "min_order": values.get("min_order") or 1,
        "lead_time_days": values.get("lead_time_days") or 0,
    }
    try:
        # The product form's own rules (name length, units, ranges): one place for them.
        content = listings._clean_content(data, {"images": []})
        money = listings._clean_money(data, None)
    except DomainError as error:
        row.problems.append(str(error.message))
        return row
    row.values = {**content, **money, "options": options}
    return row


def _check_options(row, category, own_columns, values, raw, labels) -> list[dict]:
    """The row's options, by ``listings.clean_options`` (its rules, its messages), each
    problem named by its column; a value in an option column the row's category does not
    have is a problem too. [] when the row has no options (one default variant)."""
    if category is None:
        return []
    own = {c.key for c in own_columns}
    for key in raw:
        if key.startswith("option:") and key not in own and _text_or_none(raw[key]) is not None:
            row.problems.append(_("%(column)s: the category %(category)s has no option %(column)s; leave the cell "
                                  "empty or use the template of a category that has it.",
                                  column=labels[key], category=category.name_id))
    given: list[tuple[Column, str]] = []
    for column in own_columns:
        if column.option_group and values.get(column.key) is not None:
            try:
                listings.clean_options(category, [(column.option_group, values[column.key])])
            except Invalid as error:
                row.problems.append(f"{column.label}: {error.message}")
                continue
            given.append((column, values[column.key]))
    if not given or row.problems:
        return []
    try:
        # Together: at most MAX_OPTIONS options, at most MAX_VARIANTS combinations.
        return listings.clean_options(category, [(c.option_group, text) for c, text in given])
    except Invalid as error:
        row.problems.append(f"{', '.join(str(c.label) for c, _value in given)}: {error.message}")
        return []


def _text_or_none(raw):
    try:
        return _text(raw)
    except ParseError:
        return raw  # too long: still a value in the cell


def _reported(row, column) -> bool:
    prefix = f"{column.label}:"
    return any(str(p).startswith(prefix) for p in row.problems)


def _label(key) -> str:
    return str(next(c.label for c in BASE_COLUMNS if c.key == key))


# ---------------------------------------------------------------- importing

def import_file(actor, store: Store, data: bytes, clean_rows_only=False) -> Report:
    """Check the file and, when it is clean (or the seller chose the clean rows only),
    add its rows as drafts of ``store``: one transaction, one commit."""
    if not is_member(actor, store):
        raise NotFound(_("Store not found."))
    if store.status == "suspended":
        raise Conflict(_("The store is suspended; contact the programme staff."))
    report = check_file(data)
    if report.file_problems:
        return report
    if report.bad_rows and not clean_rows_only:
        return report
    rows = report.clean_rows
    if not rows:
        raise Invalid(_("No row is clean: nothing to import."))
    products = []
    variant_rows = []
    for row in rows:
        values = dict(row.values)
        values.pop("images", None)
        options = values.pop("options", None) or []
        category_id = values.pop("category_id")
        product = Product(store_id=store.id, category_id=category_id, slug=listings._unique_slug(values["name"]),
                          status="draft", **values)
        # Each combination starts with the row's stock; no options: the default variant (on flush).
        variant_rows.append((product, listings.new_variants(product, options, values["stock"])))
        products.append(product)
    # One INSERT per batch of rows (SQLAlchemy's insertmanyvalues on PostgreSQL; SQLite's
    # driver is given them one by one, in the same call), not a round of queries per product.
    db.session.add_all(products)
    db.session.flush()
    variants = [{**v, "product_id": product.id} for product, rows_of in variant_rows for v in rows_of]
    if variants:
        # Plain rows in one executemany: thousands of variant objects would cost seconds.
        db.session.execute(db.insert(ProductVariant), variants)
    for product in products:
        audit.record(actor, "product.created", product,
                     after={"name": product.name, "price": product.price, "stock": product.stock, "via": "xlsx",
                            **({"options": product.option_names} if product.option_names else {})})
    audit.record(actor, "product.bulk_import", store, object_type="store",
                 after={"imported": len(products), "skipped_rows": [r.number for r in report.bad_rows]})
    db.session.commit()
    report.imported = len(products)
    return report
