"""The programme's PDFs: the training attendance certificate and the graduation letter, in
Indonesian, each with a verification code the public page ``/verifikasi/<code>`` checks
(the same codes as the department documents': derived from the number with the app's
secret, so a code typed into the table by hand does not verify)."""
from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.extensions import db
from app.models import GraduationCase, GraduationState, TrainingRegistration
from app.services.documents_pdf import latin1, tanggal
from app.services.procurement import document_code, format_code

if TYPE_CHECKING:
    from fpdf import FPDF


def _verify_url(code) -> str:
    return current_app.config.get("BASE_URL", "").rstrip("/") + f"/verifikasi/{code}"


def _page(title: str, number: str) -> FPDF:
    from fpdf import FPDF  # here, not at import: ~20 MB a web worker needs only to draw a document

    pdf = FPDF(format="A4")
    pdf.set_compression(False)  # small documents whose text simple tools can search
    pdf.set_title(latin1(f"{title} {number}"))
    pdf.set_author("Pasar Kite Bise")
    pdf.set_creator("Pasar Kite Bise")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, latin1("Klinik Inovasi \"Kite Bise\" - Bappeda Kota Pontianak"), new_x="LMARGIN", new_y="NEXT",
             align="C")
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 5, latin1("bersama Inkubator Bisnis Universitas Tanjungpura"), new_x="LMARGIN", new_y="NEXT",
             align="C")
    pdf.ln(14)
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 10, latin1(title), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, latin1(f"Nomor: {number}"), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(10)
    return pdf


def _body(pdf: FPDF, lines: list[tuple[str, str]]) -> None:
    for style, text in lines:
        pdf.set_font("Helvetica", style, 16 if style == "B" else 11)
        pdf.multi_cell(0, 9 if style == "B" else 6, latin1(text), new_x="LMARGIN", new_y="NEXT", align="C")
        pdf.ln(2)


def _footer(pdf: FPDF, code: str) -> None:
    pdf.ln(16)
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(0, 5, latin1(f"Kode verifikasi: {format_code(code)}\nPeriksa keaslian dokumen ini di "
                                f"{_verify_url(code)}"), new_x="LMARGIN", new_y="NEXT", align="C")


def certificate_pdf(registration: TrainingRegistration) -> bytes:
    event = registration.training
    with force_locale("id"):
        pdf = _page("SERTIFIKAT KEHADIRAN", registration.certificate_number or "")
        _body(pdf, [("", "diberikan kepada"), ("B", registration.user.full_name),
                    ("", f"dari {registration.store.name}"),
                    ("", "atas kehadirannya pada pelatihan"), ("B", event.title),
                    ("", f"{tanggal(event.starts_at, with_time=True)}, "
                         f"{event.place or event.online_url} ({event.minutes} menit)")])
        _footer(pdf, registration.certificate_code or "")
    return bytes(pdf.output())


def letter_pdf(case: GraduationCase) -> bytes:
    with force_locale("id"):
        pdf = _page("SURAT KETERANGAN LULUS INKUBASI", case.letter_number or "")
        cohort = case.cohort.name if case.cohort else "-"
        _body(pdf, [("", "Dengan ini menerangkan bahwa"), ("B", case.store.name),
                    ("", f"peserta {cohort} Klinik Inovasi \"Kite Bise\", telah dinyatakan LULUS dari program "
                         f"inkubasi pada {tanggal(case.decided_at)}."),
                    ("", f"Pertimbangan: {case.reason}"),
                    ("", "Usaha ini tetap dapat berjualan di Pasar Kite Bise dan akan didampingi pada 3, 6 dan 12 "
                         "bulan setelah kelulusan.")])
        pdf.ln(8)
        pdf.set_font("Helvetica", size=10)
        decided_by = case.decided_by.full_name if case.decided_by else ""
        pdf.cell(0, 6, latin1(f"Pontianak, {tanggal(case.decided_at)}"), new_x="LMARGIN", new_y="NEXT", align="R")
        pdf.cell(0, 6, latin1(decided_by), new_x="LMARGIN", new_y="NEXT", align="R")
        _footer(pdf, case.letter_code or "")
    return bytes(pdf.output())


def verify(code):
    """The public facts of the certificate or graduation letter with ``code``, or None."""
    code = re.sub(r"[^A-Z2-7]", "", (code or "").upper())
    if len(code) != 10:
        return None
    registration = db.session.execute(db.select(TrainingRegistration).where(
        TrainingRegistration.certificate_code == code)).scalar_one_or_none()
    if registration is not None and registration.attended_at is not None and hmac.compare_digest(
            document_code("certificate", registration.certificate_number or ""), code):
        return {"kind": "certificate", "title": _("Training attendance certificate"),
                "number": registration.certificate_number, "date": registration.training.starts_at,
                "person": registration.user.full_name, "store": registration.store.name,
                "subject": registration.training.title}
    case = db.session.execute(db.select(GraduationCase).where(GraduationCase.letter_code == code)).scalar_one_or_none()
    if case is not None and case.state == GraduationState.GRADUATED and hmac.compare_digest(
            document_code("graduation", case.letter_number or ""), code):
        return {"kind": "graduation", "title": _("Graduation letter"), "number": case.letter_number,
                "date": case.decided_at, "person": "", "store": case.store.name,
                "subject": case.cohort.name if case.cohort else ""}
    return None
