"""PDF documents of a department purchase, in Indonesian: Surat Pesanan, Berita Acara
Serah Terima (BAST) and the store's invoice. Each is a Jinja template
(``templates/procurement/pdf/<kind>.html``) rendered to simple HTML and laid out by
fpdf2 (pure Python). The core PDF fonts are Latin-1, so text is folded to it.

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

from flask import current_app, render_template
from fpdf import FPDF

from app import clock
from app.i18n import local_date, local_time, rupiah
from app.services import procurement
from app.services.tax import percent, terbilang
from app.services.acceptance import acceptance_of

log = logging.getLogger("pkb.documents")

FILE_NAMES = {"sp": "surat-pesanan", "bast": "bast", "invoice": "invoice", "kuitansi": "kuitansi"}
_REPLACEMENTS = {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                 "\u2026": "...", "\u00a0": " "}


def tanggal(value, with_time=False) -> str:
    """A date (or a UTC datetime, in WIB) in the app's Indonesian format (app/i18n.py)."""
    if value is None:
        return "-"
    return local_time(value, locale="id") if with_time else local_date(value, locale="id")


def latin1(text: str) -> str:
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


def render_pdf(purchase, kind) -> bytes:
    """The PDF of ``kind`` (sp, bast, invoice, kuitansi) for ``purchase``, with a QR code of
    its verification page in the top right corner."""
    from flask_babel import force_locale

    number = procurement.document_number(purchase, kind)
    code = getattr(purchase, f"{kind}_code")
    with force_locale("id"):  # the documents are Indonesian, whoever downloads them first
        html = _render_html(purchase, kind, number, code)
    pdf = FPDF(format="A4")
    # Uncompressed: small documents, and their text stays searchable by simple tools.
    pdf.set_compression(False)
    pdf.set_title(latin1(f"{number}"))
    pdf.set_author("Pasar Kite Bise")
    pdf.set_creator("Pasar Kite Bise")
    pdf.set_creation_date(procurement.document_date(purchase, kind))
    pdf.add_page()
    pdf.image(_qr_png(verification_url(code)), x=pdf.w - pdf.r_margin - 20, y=6, w=20, h=20)
    pdf.set_font("Helvetica", size=10)
    pdf.write_html(latin1(html))
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
