"""PDF documents of a department purchase, in Indonesian: Surat Pesanan, Berita Acara
Serah Terima (BAST) and the store's invoice. Each is a Jinja template
(``templates/procurement/pdf/<kind>.html``) rendered to simple HTML and laid out by
fpdf2 (pure Python) in DejaVu Sans, a TrueType font vendored in app/fonts (its licence
there) and embedded as a subset: every character of a name prints as typed (curly quotes,
dashes, ½, ✓, letters beyond Latin-1), where the core PDF fonts knew only Latin-1. Each
document opens with the department's letterhead (kop surat) as it was when the document
was issued.

Generation is a background job. Whenever a department order moves (approved, delivered,
handover confirmed, treasury paid), ``queue_documents`` asks for
``generate_documents(order_id)``, which renders every document the order has in its
current version and stores it under ``private/procurement/`` (app/storage.py: the local
folder or the S3 bucket). A download serves the stored file; one that is missing (an
order from before this existed, a job still queued, a storage hiccup) is rendered on the
spot and stored for next time. A stored document is what the parties were given: it
does not change when, say, the store edits its address later.

The version in the storage key changes when the document's own content does: the BAST
once the handover is confirmed, the invoice once the treasury has paid (it then says
LUNAS). The superseded file is deleted."""
from __future__ import annotations

import io
import logging
import unicodedata
from datetime import timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, render_template

from app import clock
from app.i18n import local_date, local_time, rupiah
from app.services import procurement
from app.services.tax import percent, terbilang
from app.services.acceptance import acceptance_of

log = logging.getLogger("pkb.documents")

FILE_NAMES = {"sp": "surat-pesanan", "bast": "bast", "invoice": "invoice", "kuitansi": "kuitansi"}
_REPLACEMENTS = {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                 "\u2026": "...", "\u00a0": " "}

if TYPE_CHECKING:
    from fpdf import FPDF


def tanggal(value, with_time=False) -> str:
    """A date (or a UTC datetime, in WIB) in the app's Indonesian format (app/i18n.py)."""
    if value is None:
        return "-"
    return local_time(value, locale="id") if with_time else local_date(value, locale="id")


FONT = "DejaVu"
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"


def new_pdf() -> FPDF:
    """An A4 document with DejaVu Sans, regular and bold. Only these two are registered:
    fpdf2 parses a TrueType font when it is added and subsets it when the file is written,
    ~0.13 s per style, so the document templates use no italic (<i>)."""
    from fpdf import FPDF  # here, not at import: ~20 MB a web worker needs only to draw a document

    pdf = FPDF(format="A4")
    for style, path in (("", FONT_DIR / "DejaVuSans.ttf"), ("B", FONT_DIR / "DejaVuSans-Bold.ttf")):
        pdf.add_font(FONT, style, str(path))
    # Uncompressed: small documents, and their text stays searchable by simple tools.
    pdf.set_compression(False)
    pdf.set_author("Pasar Kite Bise")
    pdf.set_creator("Pasar Kite Bise")
    return pdf


def latin1(text: str) -> str:
    """Text folded to Latin-1, for what the core fonts print (no longer the documents here)."""
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    text = unicodedata.normalize("NFKC", text)
    return text.encode("latin-1", "replace").decode("latin-1")


def _render_html(purchase, kind, number, code) -> str:
    order = purchase.order
    return render_template(
        f"procurement/pdf/{kind}.html", purchase=purchase, order=order, store=order.store,
        department=purchase.department, number=number, code=procurement.format_code(code),
        verify_url=verification_url(code),
        issued=tanggal(procurement.document_date(purchase, kind), with_time=True),
        tanggal=tanggal, rp=rupiah, tax=procurement.breakdown(purchase), terbilang=terbilang, percent=percent,
        acceptance=acceptance_of(order),
        store_npwp=procurement.store_profile(order.store, clock.today()).npwp,
        nip=lambda user, role: procurement.nip_of(user, purchase.department_id, role),
    )


def verification_url(code) -> str:
    return current_app.config.get("BASE_URL", "").rstrip("/") + f"/verifikasi/{code}"


def _qr_png(url) -> io.BytesIO:
    """A QR code of ``url`` as a PNG (segno, pure Python): a phone opens the verification page."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    buffer.seek(0)
    return buffer


def _logo_image(key):
    """The stored logo as a Pillow image (fpdf2 embeds it), or None when it cannot be read:
    the document is still issued, without the picture."""
    from PIL import Image

    from app.storage import get_storage

    try:
        image = Image.open(io.BytesIO(get_storage().read(f"{key}/large.webp")))
        image.load()
        return image.convert("RGB")
    except Exception as exc:  # noqa: BLE001 - a missing picture must not stop a document
        log.warning("could not read the letterhead logo %s (%s)", key, type(exc).__name__)
        return None


def letterhead_lines(letterhead) -> list[tuple[str, float, str]]:
    """The lines of a kop surat, top to bottom, as (text, size, style)."""
    address = ", ".join(part for part in (
        (letterhead.address or "").replace("\n", ", ").strip(),
        f"Kode Pos {letterhead.postcode}" if letterhead.postcode else "") if part)
    contact = " | ".join(part for part in (
        f"Telepon {letterhead.phone}" if letterhead.phone else "",
        f"Pos-el {letterhead.email}" if letterhead.email else "") if part)
    lines: list[tuple[str, float, str]] = [(letterhead.parent, 12, "B"), (letterhead.name.upper(), 14, "B")]
    lines += [(text, 9, "") for text in (address, contact) if text]
    return lines


def draw_letterhead(pdf, letterhead, font=FONT, right_space=0):
    """The department's kop surat at the top of the page: the logo on the left, the lines
    centred between the margins, a thick and a thin rule under it."""
    if letterhead is None:
        return
    top, logo_size = 8, 24
    left, right = pdf.l_margin, pdf.w - pdf.r_margin
    if letterhead.logo_key:
        image = _logo_image(letterhead.logo_key)
        if image is not None:
            ratio = image.width / image.height if image.height else 1
            width, height = (logo_size, logo_size / ratio) if ratio >= 1 else (logo_size * ratio, logo_size)
            pdf.image(image, x=left, y=top + (logo_size - height) / 2, w=width, h=height)
    text_left, text_right = left + logo_size + 2, right - max(right_space, logo_size + 2)
    pdf.set_xy(text_left, top)
    for text, size, style in letterhead_lines(letterhead):
        pdf.set_font(font, style=style, size=size)
        pdf.set_x(text_left)
        pdf.multi_cell(text_right - text_left, size * 0.45, text, align="C", new_x="LMARGIN", new_y="NEXT")
    bottom = max(pdf.get_y(), top + logo_size) + 1.5
    pdf.set_line_width(0.8)
    pdf.line(left, bottom, right, bottom)
    pdf.set_line_width(0.2)
    pdf.line(left, bottom + 1.1, right, bottom + 1.1)
    pdf.set_xy(left, bottom + 4)


def render_pdf(purchase, kind) -> bytes:
    """The PDF of ``kind`` (sp, bast, invoice, kuitansi) for ``purchase``, with a QR code of
    its verification page in the top right corner."""
    from flask_babel import force_locale

    number = procurement.document_number(purchase, kind)
    code = getattr(purchase, f"{kind}_code")
    with force_locale("id"):  # the documents are Indonesian, whoever downloads them first
        html = _render_html(purchase, kind, number, code)
    pdf = new_pdf()
    pdf.set_title(f"{number}")
    pdf.set_creation_date(procurement.document_date(purchase, kind))
    pdf.add_page()
    pdf.image(_qr_png(verification_url(code)), x=pdf.w - pdf.r_margin - 20, y=6, w=20, h=20)
    # The letterhead in force when the document was issued: a later change does not alter it.
    draw_letterhead(pdf, procurement.letterhead_on(purchase.department_id, procurement.document_date(purchase, kind)),
                    right_space=22)
    pdf.set_font(FONT, size=10)
    pdf.write_html(html, font_family=FONT)
    return bytes(pdf.output())


def file_name(purchase, kind) -> str:
    return f"{FILE_NAMES[kind]}-{purchase.order.number}.pdf"


# ------------------------------------------------------------------ stored documents


def version(purchase, kind) -> str:
    """Which content of ``kind`` the purchase has now (part of the storage key)."""
    if kind == "bast":
        return "confirmed" if purchase.bast_confirmed_at else "delivered"
    if kind == "invoice":
        return "paid" if purchase.treasury_recorded_at else "issued"
    return "issued"


VERSIONS = {"sp": ("issued",), "bast": ("delivered", "confirmed"), "invoice": ("issued", "paid"),
            "kuitansi": ("issued",)}


def storage_key(purchase, kind, which=None) -> str:
    # The verification code is derived from the app's secret: keys cannot be guessed from
    # an order id, and the key of a document is fixed once it is issued.
    code = getattr(purchase, f"{kind}_code")
    return f"private/procurement/{purchase.order_id}/{kind}-{which or version(purchase, kind)}-{code}.pdf"


# How long a page says a document is "being prepared" before it offers the link anyway
# (a download draws a missing document on the spot, so a lost job never hides it for good).
PREPARING_FOR = timedelta(minutes=2)


def version_since(purchase, kind):
    """When the document's current version came to be (the move that asked for it)."""
    if kind == "sp":
        return purchase.decided_at
    if kind == "bast":
        return purchase.bast_confirmed_at or purchase.order.delivered_at
    if kind == "kuitansi":
        return purchase.treasury_recorded_at
    return purchase.treasury_recorded_at or purchase.invoice_issued_at


def preparing(purchase, kind, now=None) -> bool:
    """The background job is still drawing the current version of ``kind``: it is not
    stored yet, and it was asked for less than PREPARING_FOR ago."""
    from app.storage import get_storage

    since = version_since(purchase, kind)
    if since is None or (now or clock.now()) - _aware(since) > PREPARING_FOR:
        return False
    try:
        return not get_storage().exists(storage_key(purchase, kind))
    except Exception:  # noqa: BLE001 - storage unreachable: offer the link (it renders on the spot)
        return False


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def queue_documents(order_id) -> None:
    """Ask for the order's documents to be (re)generated once this transaction commits."""
    from app.jobs import enqueue

    enqueue(generate_documents, order_id)


def generate_documents(order_id) -> list[str]:
    """Job: store every document of the department order in its current version; delete
    superseded versions. Safe to run twice. Returns the keys written."""
    from app.storage import get_storage

    from app.extensions import db
    from app.models import DepartmentPurchase

    purchase = db.session.execute(
        db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order_id)
    ).scalar_one_or_none()
    if purchase is None:
        return []
    storage = get_storage()
    written = []
    for kind in procurement.DOCUMENT_KINDS:
        if not procurement.document_available(purchase, kind):
            continue
        key = storage_key(purchase, kind)
        if not storage.exists(key):
            storage.save(key, render_pdf(purchase, kind))
            written.append(key)
        for old in VERSIONS[kind]:
            if old != version(purchase, kind):
                storage.delete(storage_key(purchase, kind, old))
    if written:
        log.info("stored %d document(s) of order %s", len(written), order_id)
    return written


def stored_pdf(purchase, kind) -> bytes:
    """The document as stored; rendered (and stored) now when it is not there yet."""
    from app.storage import StorageError, get_storage

    storage = get_storage()
    key = storage_key(purchase, kind)
    try:
        return storage.read(key)
    except StorageError:
        pass  # not generated yet
    except Exception as exc:  # noqa: BLE001 - storage unreachable: the document can still be made here
        log.warning("could not read %s (%s); rendering it", key, type(exc).__name__)
        return render_pdf(purchase, kind)
    data = render_pdf(purchase, kind)
    try:
        storage.save(key, data)
    except Exception as exc:  # noqa: BLE001 - the download must not fail because the copy did
        log.warning("could not store %s (%s)", key, type(exc).__name__)
    return data
