"""Business documents: upload, renew, validation by the mentor, private files."""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import BusinessDocument
from app.storage import get_storage
from tests.conftest import outbox
from tests.listing_utils import english, login, pdf_bytes, png_bytes, upload


def _doc_form(**over):
    data = {"kind": "pirt", "number": "P-IRT 2096171010123-27", "issuer": "Dinas Kesehatan Kota Pontianak",
            "issued_on": clock.today().isoformat(),
            "expires_on": (clock.today() + timedelta(days=365)).isoformat(),
            "file": upload(pdf_bytes(), "pirt.pdf", "application/pdf")}
    data.update(over)
    return data


def _docs():
    return db.session.execute(db.select(BusinessDocument)).scalars().all()


@pytest.fixture
def seller_client(client, factories):
    store = factories.StoreFactory()
    seller = factories.store_owner(store)
    english(seller, store.mentor)
    login(client, seller)
    client.store = store
    return client


def test_upload_document_and_mentor_is_told(seller_client, app):
    store = seller_client.store
    response = seller_client.post("/seller/documents", data=_doc_form(), content_type="multipart/form-data")
    assert response.status_code == 302
    [doc] = _docs()
    assert doc.status == "pending" and doc.file_key.startswith(f"private/documents/{store.id}/")
    assert doc.file_type == "application/pdf"
    assert get_storage().read(doc.file_key) == pdf_bytes()
    assert "PIRT-IRT" in outbox(app, store.mentor.email)[-1][1]
    page = seller_client.get("/seller/documents").get_data(as_text=True)
    assert "P-IRT 2096171010123-27" in page and "Waiting for check" in page


@pytest.mark.parametrize("over,message,status", [
    ({"file": upload(b"", "empty.pdf")}, "empty", 422),
    ({"file": upload(b"MZ\x90\x00", "virus.pdf", "application/pdf")}, "not a PDF", 422),
    ({"file": upload(pdf_bytes(), "scan.jpg", "image/jpeg")}, "does not match", 422),
    ({"file": upload(png_bytes()[:30], "scan.png", "image/png")}, "damaged", 422),
    ({"file": upload(b"PK\x03\x04...", "ijin.docx")}, "PDF or a JPEG", 422),
    ({"number": ""}, "", 400),
    ({"issued_on": "2020-01-01", "expires_on": (clock.today() - timedelta(days=1)).isoformat()},
     "already expired", 422),
    ({"expires_on": "2020-01-01"}, "before the issue date", 422),
    ({"kind": "passport"}, "", 400),
])
def test_bad_document_uploads_are_refused(seller_client, over, message, status):
    response = seller_client.post("/seller/documents", data=_doc_form(**over), content_type="multipart/form-data")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _docs() == []
    import os

    root = os.path.join(seller_client.application.config["UPLOAD_FOLDER"], "private")
    assert not os.path.exists(root) or not any(files for _d, _s, files in os.walk(root))


def test_oversized_document_is_refused(seller_client, app):
    app.config["MAX_DOCUMENT_MB"] = 1
    big = pdf_bytes()[:-6] + b"0" * (1024 * 1024 + 10) + b"\n%%EOF\n"
    response = seller_client.post("/seller/documents", data=_doc_form(file=upload(big, "big.pdf")),
                                  content_type="multipart/form-data")
    assert response.status_code == 422 and "larger than 1 MB" in response.get_data(as_text=True)
    assert _docs() == []


def test_document_file_is_private(client, factories):
    doc = factories.DocumentFactory(pending=True)
    get_storage().save(f"private/documents/{doc.store_id}/x.pdf", pdf_bytes())
    doc.file_key = f"private/documents/{doc.store_id}/x.pdf"
    db.session.commit()
    url = f"/programme/documents/{doc.id}/file"
    assert client.get(url).status_code == 302  # log in first
    for user, status in [(factories.store_owner(doc.store), 200), (doc.store.mentor, 200),
                         (factories.AdminFactory(), 200), (factories.MentorFactory(), 404),
                         (factories.store_owner(factories.StoreFactory()), 404), (factories.BuyerFactory(), 404)]:
        client.post("/auth/logout")
        login(client, user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response.data == pdf_bytes() and response.mimetype == "application/pdf"
            assert "no-store" in response.headers["Cache-Control"]
    # and never through the public media route
    assert client.get(f"/media/{doc.file_key}").status_code == 404


def test_mentor_validates_and_rejects(client, factories, app):
    store = factories.StoreFactory(verified=True)
    doc = factories.DocumentFactory(store=store, kind="halal", pending=True,
                                    expires_on=clock.today() + timedelta(days=90))
    seller = factories.store_owner(store)
    english(seller, store.mentor)
    login(client, store.mentor)
    page = client.get(f"/mentor/stores/{store.id}").get_data(as_text=True)
    assert doc.number in page and "Waiting for check" in page
    assert client.post(f"/mentor/documents/{doc.id}/reject", data={"note": ""}).status_code == 422
    assert client.post(f"/mentor/documents/{doc.id}/reject", data={"note": "Nomor tidak terbaca"}).status_code == 302
    db.session.refresh(doc)
    assert doc.status == "rejected" and doc.review_note == "Nomor tidak terbaca"
    assert doc.reviewed_by_id == store.mentor.id
    assert "rejected" in outbox(app, seller.email)[-1][1]
    assert client.post(f"/mentor/documents/{doc.id}/validate", data={"note": ""}).status_code == 302
    db.session.refresh(doc)
    assert doc.status == "valid"
    assert client.post(f"/mentor/documents/{doc.id}/validate", data={"note": ""}).status_code == 409


def test_expired_document_cannot_be_validated(client, factories):
    store = factories.StoreFactory()
    doc = factories.DocumentFactory(store=store, kind="halal", pending=True,
                                    expires_on=clock.today() + timedelta(days=1))
    clock.travel(days=3)
    login(client, store.mentor)
    assert client.post(f"/mentor/documents/{doc.id}/validate", data={"note": ""}).status_code == 409
    db.session.refresh(doc)
    assert doc.status == "pending"


def test_other_mentor_and_seller_cannot_decide_documents(client, factories):
    store = factories.StoreFactory()
    doc = factories.DocumentFactory(store=store, pending=True)
    login(client, factories.MentorFactory())
    assert client.post(f"/mentor/documents/{doc.id}/validate", data={}).status_code == 404
    client.post("/auth/logout")
    login(client, factories.store_owner(store))
    assert client.post(f"/mentor/documents/{doc.id}/validate", data={}).status_code == 403  # sellers: not a mentor
    db.session.refresh(doc)
    assert doc.status == "pending"


def test_expired_document_shows_as_expired_with_renew_link(seller_client, factories):
    factories.DocumentFactory(store=seller_client.store, kind="halal", number="HALAL-OLD",
                              expires_on=clock.today() + timedelta(days=5))
    clock.travel(days=10)
    page = seller_client.get("/seller/documents").get_data(as_text=True)
    assert "Expired" in page and "kind=halal" in page
