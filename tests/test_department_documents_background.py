"""Approving a department order does not wait for its Surat Pesanan to be drawn: without
Redis the PDF is made on the process's job thread after the response, and the order page
says "being prepared" until it is stored, then offers the download."""
import threading

import pytest

from tests.helpers import page_text
from tests.test_department_flow import login, place_department_order


@pytest.fixture
def slow_pdf(monkeypatch):
    """Drawing a PDF waits until the test lets it finish (it takes ~1 s for real)."""
    from app.services import documents_pdf

    release, started = threading.Event(), threading.Event()
    real = documents_pdf.render_pdf

    def render(purchase, kind):
        started.set()
        assert release.wait(timeout=20), "the test never let the PDF finish"
        return real(purchase, kind)

    monkeypatch.setattr(documents_pdf, "render_pdf", render)
    return release, started


def test_approve_answers_before_the_pdf_and_the_page_says_it_is_being_prepared(app, client, auth, factories,
                                                                                slow_pdf):
    from app.jobs import wait_for_background_jobs
    from tests.department_helpers import make_team

    release, started = slow_pdf
    app.config["JOBS_IN_PROCESS"] = "thread"  # the default outside the tests
    team = make_team(factories)
    order = place_department_order(client, auth, team)[0]
    login(client, auth, team.approver)

    # The drawing waits for `release`, set only further down: had the approval waited for the
    # PDF, the drawing would have failed after 20 s and so would this request (no 303).
    response = client.post(f"/department/orders/{order.id}/approve", data={"note": "Sesuai DPA"})
    assert response.status_code == 303
    assert not release.is_set()
    assert started.wait(timeout=10)  # ... on the background thread

    page = page_text(client.get(f"/department/orders/{order.id}"))
    assert "being prepared" in page and "data-preparing" in page
    assert f"/department/orders/{order.id}/documents/sp.pdf" not in page
    assert "js/documents.js" in page  # the page looks again by itself

    release.set()
    wait_for_background_jobs(app)
    page = page_text(client.get(f"/department/orders/{order.id}"))
    assert "being prepared" not in page and "data-preparing" not in page
    assert f"/department/orders/{order.id}/documents/sp.pdf" in page
    pdf = client.get(f"/department/orders/{order.id}/documents/sp.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_document_whose_job_was_lost_is_offered_after_a_while(app, client, auth, factories, monkeypatch):
    """No endless "being prepared": past two minutes the link is there, and the download draws
    a missing document on the spot."""
    from datetime import timedelta

    from app import clock
    from app.services import documents_pdf
    from tests.department_helpers import make_team

    monkeypatch.setattr(documents_pdf, "queue_documents", lambda order_id: None)  # the job never runs
    team = make_team(factories)
    order = place_department_order(client, auth, team)[0]
    login(client, auth, team.approver)
    assert client.post(f"/department/orders/{order.id}/approve").status_code == 303
    assert "being prepared" in page_text(client.get(f"/department/orders/{order.id}"))
    clock.travel(documents_pdf.PREPARING_FOR + timedelta(seconds=1))
    page = page_text(client.get(f"/department/orders/{order.id}"))
    assert "being prepared" not in page and "/documents/sp.pdf" in page
    assert client.get(f"/department/orders/{order.id}/documents/sp.pdf").data.startswith(b"%PDF")
