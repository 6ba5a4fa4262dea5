"""PDF documents of a department purchase, in Indonesian: Surat Pesanan, Berita Acara
Serah Terima (BAST) and the store's invoice. Each is a Jinja template
(``templates/procurement/pdf/<kind>.html``) rendered to simple HTML and laid out by
fpdf2 (pure Python). The core PDF fonts are Latin-1, so text is folded to it."""
from __future__ import annotations

import unicodedata

from flask import current_app, render_template
from fpdf import FPDF

from app.clock import LOCAL_TZ
from app.services import procurement

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")
FILE_NAMES = {"sp": "surat-pesanan", "bast": "bast", "invoice": "invoice"}
_REPLACEMENTS = {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                 "\u2026": "...", "\u00a0": " "}


def tanggal(value, with_time=False) -> str:
    """A date (or UTC datetime, shown in WIB) the Indonesian way: 28 November 2026."""
    if value is None:
        return "-"
    if hasattr(value, "astimezone") and hasattr(value, "hour"):
        value = value.astimezone(LOCAL_TZ)
        text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
        return f"{text}, pukul {value:%H.%M} WIB" if with_time else text
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def latin1(text: str) -> str:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    text = unicodedata.normalize("NFKC", text)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(purchase, kind) -> bytes:
    """The PDF of ``kind`` (sp, bast, invoice) for ``purchase``."""
    order = purchase.order
    number = procurement.document_number(purchase, kind)
    code = getattr(purchase, f"{kind}_code")
    html = render_template(
        f"procurement/pdf/{kind}.html", purchase=purchase, order=order, store=order.store,
        department=purchase.department, number=number, code=procurement.format_code(code),
        verify_url=current_app.config.get("BASE_URL", "").rstrip("/") + f"/verifikasi/{code}",
        issued=tanggal(procurement.document_date(purchase, kind), with_time=True),
        tanggal=tanggal, rp=procurement.rupiah,
    )
    pdf = FPDF(format="A4")
    # Uncompressed: small documents, and their text stays searchable by simple tools.
    pdf.set_compression(False)
    pdf.set_title(latin1(f"{number}"))
    pdf.set_author("Pasar Kite Bise")
    pdf.set_creator("Pasar Kite Bise")
    pdf.set_creation_date(procurement.document_date(purchase, kind))
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.write_html(latin1(html))
    return bytes(pdf.output())


def file_name(purchase, kind) -> str:
    return f"{FILE_NAMES[kind]}-{purchase.order.number}.pdf"
