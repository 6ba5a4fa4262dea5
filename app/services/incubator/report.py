"""The programme report Bappeda hands upward: for a period and one or more cohorts, the
startups, permits obtained, products listed, sales (personal and department), their share
of the city's purchases, training held and attended, sessions held and graduations; the same
figures as a page with charts, an XLSX workbook and a PDF.

Rules: the stores of a cohort are those in it now (``stores.cohort_id``); per-startup figures
come from ``indicators.compute`` (a fixed number of queries, whatever the cohort's size); a
sale is ``reports.SALE_STATES`` dated when placed; department sales are orders paid by
department purchase; a period ends today at the latest (``reports.parse_period``)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func

from app.clock import LOCAL_TZ
from app.extensions import db
from app.i18n import local_date, rupiah
from app.labels import GRADUATION_STATE_LABELS
from app.models import (
    BusinessDocument,
    Cohort,
    GraduationCase,
    GraduationState,
    MentoringSession,
    Order,
    Store,
    TrainingEvent,
    TrainingInvitation,
    TrainingRegistration,
)
from app.services import exports, reports
from app.services.incubator import indicators as indicator_service
from app.services.reports import Column, Period, Table

PERMIT_LABELS = {"nib": "NIB", "pirt_bpom": "PIRT / BPOM", "halal": _l("Halal"), "hki": "HKI"}


@dataclass
class Figure:
    key: str
    label: object
    value: object
    kind: str = "int"


@dataclass
class ProgrammeReport:
    period: Period
    cohorts: list
    figures: list
    tables: list

    def figure(self, key):
        return next(f.value for f in self.figures if f.key == key)


def _share(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def build(period: Period, cohort_ids: list[int]) -> ProgrammeReport:
    cohorts = list(db.session.execute(db.select(Cohort).where(Cohort.id.in_(cohort_ids)).order_by(Cohort.name))
                   .scalars())
    ids = [c.id for c in cohorts]
    store_ids = list(db.session.execute(db.select(Store.id).where(Store.cohort_id.in_(ids))).scalars()) if ids else []
    items = sorted(indicator_service.compute(store_ids, period, departments=False),
                   key=lambda i: i.name.lower())

    in_period = period.utc_start, period.utc_end
    permits_obtained = {g: 0 for g in indicator_service.PERMIT_GROUPS}
    for item in items:
        for group, first in item.permits.items():
            if first is not None and in_period[0] <= first < in_period[1]:
                permits_obtained[group] += 1
    sales = sum(i.sales for i in items)
    department = sum(i.department_sales for i in items)
    is_department = Order.payment_method == "department"
    city_department, city_all = (int(v) for v in db.session.execute(db.select(
        func.coalesce(func.sum(case((is_department, Order.total), else_=0)), 0),
        func.coalesce(func.sum(Order.total), 0)).where(*reports._sales(period))).one())

    trainings = list(db.session.execute(
        db.select(TrainingEvent.id, TrainingEvent.title, TrainingEvent.starts_at, TrainingEvent.capacity,
                  func.count(func.distinct(TrainingRegistration.id)),
                  func.count(func.distinct(case((TrainingRegistration.attended_at.is_not(None),
                                                 TrainingRegistration.id)))))
        .outerjoin(TrainingRegistration, TrainingRegistration.training_id == TrainingEvent.id)
        .where(TrainingEvent.starts_at >= in_period[0], TrainingEvent.starts_at < in_period[1],
               TrainingEvent.id.in_(db.select(TrainingInvitation.training_id)
                                    .where(TrainingInvitation.cohort_id.in_(ids))))
        .group_by(TrainingEvent.id, TrainingEvent.title, TrainingEvent.starts_at, TrainingEvent.capacity)
        .order_by(TrainingEvent.starts_at)).all()) if ids else []
    attended = db.session.execute(db.select(func.count(TrainingRegistration.id)).where(
        TrainingRegistration.store_id.in_(store_ids), TrainingRegistration.attended_at >= in_period[0],
        TrainingRegistration.attended_at < in_period[1])).scalar_one() if store_ids else 0
    sessions = db.session.execute(db.select(func.count(MentoringSession.id)).where(
        MentoringSession.store_id.in_(store_ids), MentoringSession.held_on >= period.start,
        MentoringSession.held_on <= period.end)).scalar_one() if store_ids else 0
    graduations = db.session.execute(db.select(func.count(GraduationCase.id)).where(
        GraduationCase.store_id.in_(store_ids), GraduationCase.state == GraduationState.GRADUATED,
        GraduationCase.decided_at >= in_period[0], GraduationCase.decided_at < in_period[1])).scalar_one() \
        if store_ids else 0
    new_documents = db.session.execute(db.select(func.count(BusinessDocument.id)).where(
        BusinessDocument.store_id.in_(store_ids), BusinessDocument.status == "valid",
        BusinessDocument.reviewed_at >= in_period[0], BusinessDocument.reviewed_at < in_period[1])).scalar_one() \
        if store_ids else 0

    figures = [
        Figure("startups", _l("Startups"), len(items)),
        Figure("permits", _l("Permits obtained (first of their kind)"), sum(permits_obtained.values())),
        Figure("documents", _l("Business documents verified"), new_documents),
        Figure("products", _l("Live products"), sum(i.live_products for i in items)),
        Figure("orders", _l("Orders"), sum(i.orders for i in items)),
        Figure("personal_sales", _l("Personal sales"), sales - department, "money"),
        Figure("department_sales", _l("Department sales"), department, "money"),
        Figure("department_share", _l("Share of the city's department purchases"),
               _share(department, city_department), "percent"),
        Figure("sales_share", _l("Share of all sales in the market"), _share(sales, city_all), "percent"),
        Figure("trainings", _l("Trainings held"), len(trainings)),
        Figure("attendances", _l("Training attendances"), attended),
        Figure("sessions", _l("Mentoring sessions held"), sessions),
        Figure("graduations", _l("Graduations"), graduations),
    ]

    months: dict[str, list[int]] = {label: [0, 0, 0] for label in reports.buckets(
        Period(period.start, period.end, "month"))}
    for item in items:
        for month, m in item.months.items():
            row = months.setdefault(month, [0, 0, 0])
            row[0] += m["sales"] - m["department"]
            row[1] += m["department"]
            row[2] += m["orders"]
    tables = [
        Table("monthly", _l("Sales per month"),
              [Column(_l("Month"), "month"), Column(_l("Personal sales"), "money", series=True),
               Column(_l("Department sales"), "money", series=True), Column(_l("Orders"), "int")],
              [(m, *v) for m, v in sorted(months.items())], chart="stacked"),
        Table("permits", _l("Permits obtained in the period"),
              [Column(_l("Permit")), Column(_l("Startups"), "int", series=True)],
              [(str(PERMIT_LABELS[g]), n) for g, n in permits_obtained.items()], chart="bar",
              note=_l("A startup counts once per permit, in the period its first document of that kind was "
                      "verified, if it still holds one.")),
        Table("startups", _l("Startups"),
              [Column(_l("Startup")), Column(_l("Cohort")), Column(_l("Permits"), "int"),
               Column(_l("Live products"), "int"), Column(_l("Orders"), "int"), Column(_l("Sales"), "money"),
               Column(_l("Department sales"), "money"), Column(_l("Repeat buyers"), "int"),
               Column(_l("Trainings attended"), "int"), Column(_l("Sessions"), "int"),
               Column(_l("Graduation"))],
              [(i.name, i.cohort, i.permits_held, i.live_products, i.orders, i.sales, i.department_sales,
                i.repeat_buyers, i.trainings, i.sessions,
                str(GRADUATION_STATE_LABELS.get(i.graduation, "")) if i.graduation else "") for i in items],
              empty=_l("No startup in these cohorts.")),
        Table("training", _l("Training held"),
              [Column(_l("Training")), Column(_l("Date"), "date"), Column(_l("Capacity"), "int"),
               Column(_l("Registered"), "int"), Column(_l("Attended"), "int", series=True)],
              [(title, starts.astimezone(LOCAL_TZ).date(),
                capacity, registered, present) for _id, title, starts, capacity, registered, present in trainings],
              empty=_l("No training in this period.")),
    ]
    return ProgrammeReport(period, cohorts, figures, tables)


def _figure_text(figure) -> str:
    if figure.kind == "money":
        return rupiah(figure.value)
    if figure.kind == "percent":
        return f"{figure.value:.1f} %".replace(".", ",")
    return f"{figure.value:,}".replace(",", ".")


def title_of(report: ProgrammeReport) -> str:
    names = ", ".join(c.name for c in report.cohorts) or _("no cohort")
    return _("Programme report %(cohorts)s, %(start)s to %(end)s", cohorts=names,
             start=local_date(report.period.start), end=local_date(report.period.end))


def xlsx_bytes(report: ProgrammeReport) -> bytes:
    """A workbook: the summary first, then a sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    summary = workbook.worksheets[0]
    summary.title = exports.sheet_name(_("Summary"))
    summary.append([title_of(report)])
    summary["A1"].font = Font(bold=True)
    summary.append([])
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 18
    for figure in report.figures:
        value = figure.value / 100 if figure.kind == "percent" else figure.value
        summary.append([str(figure.label), value])
        cell = summary.cell(row=summary.max_row, column=2)
        if figure.kind in exports.XLSX_FORMATS:
            cell.number_format = exports.XLSX_FORMATS[figure.kind]
    for table in report.tables:
        sheet = workbook.create_sheet(exports.sheet_name(table.title))
        sheet.append([str(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, _column in enumerate(table.columns):
            sheet.column_dimensions[chr(ord("A") + index)].width = 28 if index == 0 else 16
        for row in table.rows:
            sheet.append([exports._xlsx_value(v, c.kind) for v, c in zip(row, table.columns, strict=False)])
            for cell, column in zip(sheet[sheet.max_row], table.columns, strict=False):
                if column.kind in exports.XLSX_FORMATS and isinstance(cell.value, (int, float)):
                    cell.number_format = exports.XLSX_FORMATS[column.kind]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf_bytes(report: ProgrammeReport) -> bytes:
    """The report as a PDF in Indonesian, summary then tables, for the head of Bappeda."""
    from fpdf import FPDF

    from app.services.documents_pdf import latin1

    with force_locale("id"):
        pdf = FPDF(format="A4", orientation="L")
        pdf.set_compression(False)
        pdf.set_author("Pasar Kite Bise")
        pdf.set_title(latin1(title_of(report)))
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 8, latin1(title_of(report)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 6, latin1("Klinik Inovasi \"Kite Bise\" - Bappeda Kota Pontianak"), new_x="LMARGIN",
                 new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("Helvetica", size=10)
        with pdf.table(col_widths=(120, 50), width=170, align="LEFT", first_row_as_headings=False) as grid:
            for figure in report.figures:
                row = grid.row()
                row.cell(latin1(str(figure.label)))
                row.cell(latin1(_figure_text(figure)), align="RIGHT")
        for table in report.tables:
            pdf.ln(4)
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(0, 7, latin1(str(table.title)), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=8)
            if not table.rows:
                pdf.cell(0, 6, latin1(str(table.empty)), new_x="LMARGIN", new_y="NEXT")
                continue
            with pdf.table(first_row_as_headings=True) as grid:
                header = grid.row()
                for column in table.columns:
                    header.cell(latin1(str(column.label)))
                for values in table.rows:
                    row = grid.row()
                    for value, column in zip(values, table.columns, strict=False):
                        row.cell(latin1(_cell_text(value, column.kind)),
                                 align="RIGHT" if column.kind in ("int", "money", "percent") else "LEFT")
        return bytes(pdf.output())


def _cell_text(value, kind) -> str:
    if value is None or value == "":
        return "-"
    if kind == "money":
        return rupiah(value)
    if kind == "int":
        return f"{value:,}".replace(",", ".")
    if kind == "month":
        return str(value)[:7]
    if kind == "date":
        return local_date(value)
    return str(value)
