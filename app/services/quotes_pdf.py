"""The negotiation record (Berita Acara Negosiasi) of an accepted quote as a PDF, in
Indonesian, laid out by fpdf2 like the department order's documents (documents_pdf): DejaVu Sans, the
department's letterhead of the day the record was made."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from app.i18n import rupiah
from app.labels import QUOTE_ACTION_LABELS
from app.services import procurement
from app.services.documents_pdf import FONT, draw_letterhead, new_pdf, tanggal


def render_ba_pdf(quote) -> bytes:
    code = procurement.format_code(quote.ba_code)
    with force_locale("id"):
        html = render_template(
            "procurement/pdf/ba_negosiasi.html", quote=quote, code=code, tanggal=tanggal, rp=rupiah,
            actions=QUOTE_ACTION_LABELS,
            verify_url=current_app.config.get("BASE_URL", "").rstrip("/") + f"/verifikasi/{quote.ba_code}")
    pdf = new_pdf()
    pdf.set_title(quote.ba_number)
    if quote.closed_at:
        pdf.set_creation_date(quote.closed_at)
    pdf.add_page()
    draw_letterhead(pdf, procurement.letterhead_on(quote.department_id, quote.closed_at))
    pdf.set_font(FONT, size=10)
    pdf.write_html(html, font_family=FONT)
    return bytes(pdf.output())


def file_name(quote) -> str:
    return f"berita-acara-negosiasi-{quote.number}.pdf"
