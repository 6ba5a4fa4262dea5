"""Daily jobs about expiring business documents (registered as periodic jobs in
``app/seller/__init__.py``).

- ``hide_expired_products``: a live product whose required document expired is already
  invisible to buyers (``Product.visible_condition`` compares ``listed_until`` with today);
  this job recomputes its stored visibility and tells the store's members, once per
  expiry, that it stays hidden until the document is renewed.
- ``remind_expiring_documents``: a valid document expiring within ``REMINDER_DAYS`` days
  is announced once to the store's members and its mentor; ``expiry_reminder_sent_for``
  keeps the expiry date reminded about, so a document whose date changes is reminded again.

Both claim each row with a conditional UPDATE before telling anyone, and commit each
store's or document's work with its e-mails, so a second (or overlapping) run sends nothing.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from app.urls import absolute, path_for
from app import clock
from app.extensions import db
from app.orm import rows_matched
from app.models import BusinessDocument, Product, Store
from app.services import audit
from app.services import notifications as notify
from app.labels import DOCUMENT_KIND_LABELS
from app.services.listings.visibility import (
    FAR_FUTURE,
    missing_requirements,
    refresh_product_visibility,
    requirement_names,
)
from app.services.mail import queue_email

#: A valid document expiring within this many days is announced once.
REMINDER_DAYS = 30


# ---------------------------------------------------------------- hidden products


def hide_expired_products(day=None) -> int:
    """Recompute every product still marked listed whose ``listed_until`` has passed and tell
    the store's members about those now hidden. Returns how many products were hidden."""
    day = day or clock.today()
    candidates = db.session.execute(
        db.select(Product.id, Product.store_id, Product.listed_until)
        .where(Product.listed.is_(True), Product.listed_until.is_not(None), Product.listed_until < day)
        .order_by(Product.store_id, Product.id)
    ).all()
    by_store: dict[int, list] = {}
    for product_id, store_id, listed_until in candidates:
        by_store.setdefault(store_id, []).append((product_id, listed_until))
    hidden = 0
    with notify.request_context():
        for store_id, rows in by_store.items():
            hidden += _hide_for_store(store_id, rows, day)
    return hidden


def _hide_for_store(store_id, rows, day) -> int:
    store = db.session.get_one(Store, store_id)
    now_hidden = []
    for product_id, listed_until in rows:
        # Claim the product: only the run that flips it from listed tells anyone.
        claimed = db.session.execute(
            update(Product)
            .where(Product.id == product_id, Product.listed.is_(True), Product.listed_until == listed_until)
            .values(listed=False)
            .execution_options(synchronize_session=False)
        )
        if rows_matched(claimed) != 1:
            continue
        product = db.session.get_one(Product, product_id)
        db.session.refresh(product)
        refresh_product_visibility(product, day)
        if product.listed:
            continue  # a renewed document already covers it: it stays visible
        missing = missing_requirements(store, product.category, day)
        audit.record(None, "product.hidden_expired", product,
                     before={"listed": True, "listed_until": listed_until.isoformat()},
                     after={"listed": False, "missing": missing})
        now_hidden.append((product, missing))
    if now_hidden:
        _tell_members(store, now_hidden)
    db.session.commit()
    return len(now_hidden)


def _tell_members(store, now_hidden):
    members, _owners = notify.store_people(store.id)
    for product, _missing in now_hidden:
        link = path_for("seller.product", product_id=product.id)
        for member in members:
            notify.add(member, "product_hidden_expired", link=link, product=product.name)
    documents_url = absolute(path_for("seller.documents"))
    items = [{"name": product.name, "missing": missing,
              "url": absolute(path_for("seller.product", product_id=product.id))}
             for product, missing in now_hidden]
    for member in members:
        subject = (_l("Hidden from buyers: %(name)s", name=items[0]["name"]) if len(items) == 1
                   else _l("%(count)s products hidden from buyers", count=len(items)))
        # requirement_names runs in the template, so in the member's language.
        queue_email(member.email, subject, "products_hidden_expired", locale=member.locale,
                    recipient=member, store=store, items=items, url=documents_url,
                    requirement_names=requirement_names)


# ---------------------------------------------------------------- reminders


def expiring_soon(documents, day):
    """The valid documents among ``documents`` that run out within REMINDER_DAYS of ``day``
    (the seller's desk warns of them; the reminder e-mail goes out for the same ones)."""
    return [d for d in documents if d.status == "valid" and d.expires_on is not None
            and 0 <= (d.expires_on - day).days <= REMINDER_DAYS]


def remind_expiring_documents(day=None) -> int:
    """E-mail the store's members and mentor once about each valid document expiring within
    ``REMINDER_DAYS`` days (today included). Returns how many documents were announced."""
    day = day or clock.today()
    horizon = day + timedelta(days=REMINDER_DAYS)
    ids = db.session.execute(
        db.select(BusinessDocument.id)
        .where(BusinessDocument.status == "valid", BusinessDocument.expires_on.is_not(None),
               BusinessDocument.expires_on >= day, BusinessDocument.expires_on <= horizon,
               or_(BusinessDocument.expiry_reminder_sent_for.is_(None),
                   BusinessDocument.expiry_reminder_sent_for != BusinessDocument.expires_on))
        .order_by(BusinessDocument.id)
    ).scalars().all()
    sent = 0
    with notify.request_context():
        for document_id in ids:
            sent += _remind(document_id, day)
    return sent


def _renewed(doc, day) -> bool:
    """The store already holds a valid document of the same kind lasting longer."""
    return any(other.id != doc.id and other.kind == doc.kind and other.is_valid_on(day)
               and (other.expires_on or FAR_FUTURE) > doc.expires_on
               for other in doc.store.documents)


def _remind(document_id, day) -> int:
    doc = db.session.get(BusinessDocument, document_id)
    if doc is None or doc.expires_on is None or _renewed(doc, day):
        db.session.rollback()
        return 0
    claimed = db.session.execute(
        update(BusinessDocument)
        .where(BusinessDocument.id == doc.id, BusinessDocument.status == "valid",
               BusinessDocument.expires_on == doc.expires_on,
               or_(BusinessDocument.expiry_reminder_sent_for.is_(None),
                   BusinessDocument.expiry_reminder_sent_for != doc.expires_on))
        .values(expiry_reminder_sent_for=doc.expires_on)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(claimed) != 1:
        db.session.rollback()
        return 0
    store = doc.store
    kind_label = DOCUMENT_KIND_LABELS.get(doc.kind, doc.kind)
    subject = _l("%(kind)s of %(store)s expires on %(day)s", kind=kind_label, store=store.name,
                 day=doc.expires_on.isoformat())
    members, _owners = notify.store_people(store.id)
    for member in members:
        queue_email(member.email, subject, "document_expiring", locale=member.locale, recipient=member,
                    store=store, document=doc, kind_label=kind_label, for_mentor=False,
                    url=absolute(path_for("seller.documents")))
    mentor = store.mentor
    if mentor is not None and mentor.active and mentor.email not in {m.email for m in members}:
        queue_email(mentor.email, subject, "document_expiring", locale=mentor.locale, recipient=mentor,
                    store=store, document=doc, kind_label=kind_label, for_mentor=True,
                    url=absolute(path_for("mentor.store", store_id=store.id)))
    audit.record(None, "document.expiry_reminder", doc, after={"expires_on": doc.expires_on.isoformat()})
    db.session.commit()
    return 1
