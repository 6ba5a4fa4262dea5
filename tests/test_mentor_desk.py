"""The mentor's desk over HTTP: queue, review page, decisions, permissions, e-mails."""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import StoreMember
from app.services import listings
from tests.conftest import outbox
from tests.listing_utils import add_photo, english, login


@pytest.fixture
def req(app, factories):
    """Services called directly render e-mails: give them a request context."""
    with app.test_request_context():
        yield


@pytest.fixture
def submitted(factories, req):
    store = factories.StoreFactory(verified=True, name="Lidah Buaya Borneo")
    seller = factories.store_owner(store)
    food = factories.CategoryFactory(food=True)
    factories.DocumentFactory(store=store, kind="pirt", expires_on=clock.today() + timedelta(days=200))
    factories.DocumentFactory(store=store, kind="halal", expires_on=clock.today() + timedelta(days=100))
    product = factories.ProductFactory(store=store, category=food, name="Nata Lidah Buaya", description="Segar")
    add_photo(product)
    english(seller, store.mentor)
    listings.submit_listing(seller, product)
    return product


def test_queue_shows_waiting_time_oldest_first(client, submitted, factories):
    second = factories.ProductFactory(store=submitted.store, category=submitted.category, name="Dodol Lidah Buaya",
                                      description="Manis")
    add_photo(second)
    clock.travel(hours=5)
    listings.submit_listing(factories.store_owner(submitted.store), second)
    clock.travel(days=2)
    login(client, submitted.store.mentor)
    page = client.get("/mentor/").get_data(as_text=True)
    assert page.index("Nata Lidah Buaya") < page.index("Dodol Lidah Buaya")
    assert "2 days" in page


def test_review_page_shows_product_documents_history(client, submitted):
    login(client, submitted.store.mentor)
    page = client.get(f"/mentor/review/{submitted.id}").get_data(as_text=True)
    for text in ("Nata Lidah Buaya", "As buyers will see it", "Store documents", "PIRT-IRT", "Halal certificate",
                 "History of decisions", "Submitted", "Request changes", "Approve", "Reject"):
        assert text in page, text


def test_request_changes_then_approve_over_http(client, submitted, app):
    seller = submitted.store.members[0].user
    login(client, submitted.store.mentor)
    response = client.post(f"/mentor/review/{submitted.id}", data={"decision": "request_changes", "note": ""})
    assert response.status_code == 422 and "Tick at least one reason" in response.get_data(as_text=True)
    response = client.post(f"/mentor/review/{submitted.id}", data={
        "decision": "request_changes", "reason_codes": ["photo", "copywriting"], "note": "Foto kurang terang"})
    assert response.status_code == 302
    db.session.refresh(submitted)
    assert submitted.status == "changes_requested"
    mail = outbox(app, seller.email)[-1]
    assert "Changes requested" in mail[1] and "Foto kurang terang" in mail[2]
    # the seller fixes and resubmits
    listings.update_product(seller, submitted, {"description": "Segar, 250 ml, tanpa pengawet"})
    listings.submit_listing(seller, submitted)
    page = client.get(f"/mentor/review/{submitted.id}").get_data(as_text=True)
    assert "Changes since the previous submission" in page and "tanpa pengawet" in page
    response = client.post(f"/mentor/review/{submitted.id}", data={"decision": "approve", "note": ""})
    assert response.status_code == 302
    db.session.refresh(submitted)
    assert submitted.status == "approved" and submitted.listed
    assert "Approved" in outbox(app, seller.email)[-1][1]
    # approving again: 409 and nothing changes
    response = client.post(f"/mentor/review/{submitted.id}", data={"decision": "approve"})
    assert response.status_code == 409


def test_approve_refused_when_documents_missing(client, submitted):
    for doc in submitted.store.documents:
        if doc.kind == "halal":
            doc.status = "rejected"
    db.session.commit()
    login(client, submitted.store.mentor)
    response = client.post(f"/mentor/review/{submitted.id}", data={"decision": "approve"})
    assert response.status_code == 409
    assert "Halal certificate" in response.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.status == "submitted"


def test_other_mentor_gets_404_member_mentor_403(client, submitted, factories):
    login(client, factories.MentorFactory())
    assert client.get(f"/mentor/review/{submitted.id}").status_code == 404
    assert client.post(f"/mentor/review/{submitted.id}", data={"decision": "approve"}).status_code == 404
    client.post("/auth/logout")
    submitted.store.members.append(StoreMember(user=submitted.store.mentor, role="member"))
    db.session.commit()
    login(client, submitted.store.mentor)
    assert client.post(f"/mentor/review/{submitted.id}", data={"decision": "approve"}).status_code == 403
    client.post("/auth/logout")
    login(client, factories.store_owner(submitted.store))
    assert client.get(f"/mentor/review/{submitted.id}").status_code == 403  # sellers are no mentors
    db.session.refresh(submitted)
    assert submitted.status == "submitted"


def test_admin_sees_every_queue_and_filters(client, submitted, factories):
    admin = factories.AdminFactory()
    english(admin)
    other = factories.MentorFactory()
    login(client, admin)
    page = client.get("/mentor/").get_data(as_text=True)
    assert "Nata Lidah Buaya" in page
    page = client.get(f"/mentor/?mentor={other.id}").get_data(as_text=True)
    assert "Nata Lidah Buaya" not in page
    response = client.post(f"/mentor/review/{submitted.id}", data={"decision": "reject", "note": "Duplikat"})
    assert response.status_code == 302
    db.session.refresh(submitted)
    assert submitted.status == "rejected"


def test_revision_review_shows_diff(client, submitted):
    seller = submitted.store.members[0].user
    listings.decide_listing(submitted.store.mentor, submitted, "approve")
    listings.update_product(seller, submitted, {"name": "Nata de Aloe"})
    listings.submit_listing(seller, submitted)
    login(client, submitted.store.mentor)
    page = client.get(f"/mentor/review/{submitted.id}").get_data(as_text=True)
    assert "Changes since the last approved version" in page
    assert "Nata Lidah Buaya" in page and "Nata de Aloe" in page
    client.post(f"/mentor/review/{submitted.id}", data={"decision": "approve"})
    db.session.refresh(submitted)
    assert submitted.name == "Nata de Aloe"
