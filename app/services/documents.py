"""Business documents: sellers upload (and renew by uploading a newer one), the store's
mentor marks each valid or rejected with a note. Any change re-computes the visibility
of the store's products, so a renewed, validated certificate brings them back."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.authz import can_see_documents, is_member, require_reviewer
from app.urls import absolute_url
from app import clock
from app.extensions import db
from app.i18n import local_date
from app.models import DOCUMENT_KINDS, BusinessDocument, Store, User
from app.services import Conflict, Invalid, NotFound, audit
from app.services.images import Upload, store_document_file
from app.labels import DOCUMENT_KIND_LABELS
from app.services.listings.visibility import refresh_visibility
from app.services.mail import queue_email

DOCUMENT_STATE_LABELS_KEYS = ("pending", "valid", "rejected", "expired")


def normalise_npwp(number: str) -> str:
    """An NPWP as its digits: 15 (the old format, often written 12.345.678.9-012.345) or 16
    (the NIK-based one); anything else is refused."""
    digits = re.sub(r"[\s.\-]", "", number or "")
    if not re.fullmatch(r"\d{15}|\d{16}", digits):
        raise Invalid(_("An NPWP is 15 or 16 digits (dots and dashes may be typed), e.g. 01.234.567.8-701.000."))
    return digits


def document_state(doc: BusinessDocument, day: date | None = None) -> str:
    """pending, valid, rejected, or expired (valid but past its expiry)."""
    day = day or clock.today()
    if doc.status == "valid" and doc.expires_on is not None and doc.expires_on < day:
        return "expired"
    return doc.status


def get_document(user, document_id: int) -> BusinessDocument:
    """The document if ``user`` may see it (member, the store's mentor, admin), else 404."""
    doc = db.session.get(BusinessDocument, document_id)
    if doc is None or user is None or not can_see_documents(user, doc.store):
        raise NotFound(_("Document not found."))
    return doc


def add_document(actor: User, store: Store, *, kind: str, number: str | None, issuer: str | None = "",
                 issued_on: date | None = None, expires_on: date | None = None,
                 upload: Upload | None = None) -> BusinessDocument:
    """A member uploads a document; it waits for the mentor's check."""
    if not is_member(actor, store):
        raise NotFound(_("Store not found."))
    if kind not in DOCUMENT_KINDS:
        raise Invalid(_("Choose the kind of document."))
    number = (number or "").strip()
    if not number:
        raise Invalid(_("Enter the document's number."))
    if kind == "npwp":
        number = normalise_npwp(number)
    if issued_on and expires_on and expires_on < issued_on:
        raise Invalid(_("The expiry date is before the issue date."))
    if expires_on and expires_on < clock.today():
        raise Invalid(_("This document has already expired; upload the renewed one."))
    if upload is None or not upload.data:
        raise Invalid(_("Attach the scanned document (PDF or picture)."))
    # The file is checked and stored before the row exists; a refused file leaves nothing.
    key, mime = store_document_file(store.id, upload)
    doc = BusinessDocument(store=store, kind=kind, number=number, issuer=(issuer or "").strip(),
                           issued_on=issued_on, expires_on=expires_on, file_key=key,
                           file_name=(upload.filename or "")[:255], file_type=mime, status="pending")
    db.session.add(doc)
    db.session.flush()
    audit.record(actor, "document.uploaded", doc, after={"kind": kind, "number": number,
                                                         "expires_on": expires_on.isoformat() if expires_on else None})
    if store.mentor is not None:
        queue_email(store.mentor.email, _l("New document to check: %(kind)s of %(store)s",
                                          kind=DOCUMENT_KIND_LABELS[kind], store=store.name),
                    "document_uploaded", locale=store.mentor.locale, store=store, document=doc,
                    kind_label=DOCUMENT_KIND_LABELS[kind], url=absolute_url("mentor.store", store_id=store.id))
    db.session.commit()
    return doc


def _decide(actor, doc, status, note):
    require_reviewer(actor, doc.store)
    if doc.status == status:
        label = {"valid": _("Valid"), "rejected": _("Rejected")}.get(status, status)
        raise Conflict(_("The document is already marked %(state)s.", state=label))
    before = doc.status
    doc.status = status
    doc.review_note = (note or "").strip()
    doc.reviewed_by = actor
    doc.reviewed_at = clock.now()
    audit.record(actor, f"document.{'validated' if status == 'valid' else 'rejected'}", doc,
                 before={"status": before}, after={"status": status}, note=doc.review_note)
    db.session.flush()
    refresh_visibility(doc.store)
    kind_label = DOCUMENT_KIND_LABELS.get(doc.kind, doc.kind)
    subject = (_l("Document accepted: %(kind)s", kind=kind_label) if status == "valid"
               else _l("Document rejected: %(kind)s", kind=kind_label))
    for member in doc.store.members:
        queue_email(member.user.email, subject, "document_decision", locale=member.user.locale,
                    store=doc.store, document=doc, kind_label=kind_label, url=absolute_url("seller.documents"))
    db.session.commit()
    return doc


def validate_document(actor: User, doc: BusinessDocument, note: str = "") -> BusinessDocument:
    """The store's mentor (or an admin) confirms the document is genuine and current."""
    if doc.expires_on is not None and doc.expires_on < clock.today():
        raise Conflict(_("This document expired on %(day)s; ask for the renewed one.", day=local_date(doc.expires_on)))
    return _decide(actor, doc, "valid", note)


def reject_document(actor: User, doc: BusinessDocument, note: str) -> BusinessDocument:
    if not (note or "").strip():
        raise Invalid(_("Say why the document is rejected."))
    return _decide(actor, doc, "rejected", note)
