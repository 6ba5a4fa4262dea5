"""Product questions (Diskusi produk): signed-in people ask, the store answers once and the
asker is told, public newest first and paginated, a mentor or an admin hides one with a
reason (audited); a hidden product, another store, a read of someone else's question and
empty or oversized text are refused with a message, nothing half-written."""
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import AuditEntry, Notification, ProductQuestion
from tests.conftest import outbox
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def world(factories):
    product = factories.ProductFactory(live=True, name="Kopi Aming Robusta 250 g")
    buyer = factories.BuyerFactory(full_name="Budi Santoso")
    return product, buyer, store_owner(product.store)


def _ask(client, product, body="Apakah bisa digiling halus?"):
    return client.post(f"/diskusi/produk/{product.id}/tanya", data={"body": body})


def _questions():
    db.session.expire_all()
    return db.session.execute(db.select(ProductQuestion).order_by(ProductQuestion.id)).scalars().all()


def test_buyer_asks_store_answers_asker_told(app, client, auth, world):
    product, buyer, seller = world
    auth.login(buyer.email)
    response = _ask(client, product)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/produk/{product.slug}#questions")
    page = page_text(client.get(f"/produk/{product.slug}"))
    assert "Apakah bisa digiling halus?" in page and "Waiting for the store" in page
    (question,) = _questions()
    assert question.state == "open" and question.store_id == product.store_id
    auth.logout()

    auth.login(seller.email)
    desk = page_text(client.get("/seller/"))
    assert "1 question of a buyer waits for your answer" in desk
    assert "Apakah bisa digiling halus?" in page_text(client.get("/diskusi/toko"))
    answered = client.post(f"/diskusi/{question.id}/jawab?next=/diskusi/toko",
                           data={"answer": "Bisa, Pak. Tulis di catatan."})
    assert answered.status_code == 303 and answered.headers["Location"].endswith("/diskusi/toko")
    twice = client.post(f"/diskusi/{question.id}/jawab", data={"answer": "Lagi"})
    assert twice.status_code == 409 and "already been answered" in page_text(twice)
    (question,) = _questions()
    assert question.state == "answered" and question.answer == "Bisa, Pak. Tulis di catatan."
    assert "waits for your answer" not in page_text(client.get("/seller/"))

    note = db.session.execute(db.select(Notification).where(Notification.user_id == buyer.id,
                                                            Notification.kind == "question_answered")).scalar_one()
    assert note.link.endswith(f"#question-{question.id}")
    mails = outbox(app, to=buyer.email)
    assert mails and "Bisa, Pak. Tulis di catatan." in mails[-1][2]
    auth.logout()
    # Public: a visitor sees the question and the answer.
    page = page_text(client.get(f"/produk/{product.slug}"))
    assert "Bisa, Pak. Tulis di catatan." in page and "Answer from" in page


def test_questions_are_public_newest_first_and_paginated(client, auth, world, factories):
    product, buyer, _seller = world
    from datetime import timedelta

    from app import clock

    for n in range(12):
        db.session.add(ProductQuestion(product_id=product.id, store_id=product.store_id, asker_id=buyer.id,
                                       body=f"Pertanyaan nomor {n:02d}", state="open", answer="", hidden_reason="",
                                       created_at=clock.now() - timedelta(hours=24 - n)))
    db.session.commit()
    page = page_text(client.get(f"/produk/{product.slug}"))
    assert "Pertanyaan nomor 11" in page and "Pertanyaan nomor 06" not in page.split("See all")[0]
    assert page.index("Pertanyaan nomor 11") < page.index("Pertanyaan nomor 07")
    assert "See all 12 questions" in page
    first = page_text(client.get(f"/produk/{product.slug}/diskusi"))
    assert "Pertanyaan nomor 11" in first and "Pertanyaan nomor 02" in first and "Pertanyaan nomor 01" not in first
    second = page_text(client.get(f"/produk/{product.slug}/diskusi?page=2"))
    assert "Pertanyaan nomor 01" in second and "Pertanyaan nomor 00" in second and "Pertanyaan nomor 11" not in second
    assert client.get(f"/produk/{product.slug}/diskusi?page=9").status_code == 404


def test_asking_needs_a_login_and_a_visible_product(client, auth, world, factories):
    product, buyer, _seller = world
    anonymous = _ask(client, product)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    draft = factories.ProductFactory(store=product.store, name="Belum tayang")
    auth.login(buyer.email)
    assert _ask(client, draft).status_code == 404
    product.paused = True
    from app.services.listings import refresh_visibility

    refresh_visibility(product.store)
    db.session.commit()
    assert _ask(client, product).status_code == 404
    assert client.get(f"/produk/{product.slug}/diskusi").status_code == 404
    assert _ask(client, product).status_code == 404
    assert _questions() == []


@pytest.mark.parametrize("body, message", [("", "Write your question."), ("   ", "Write your question."),
                                           ("x" * 1001, "under 1000 characters")])
def test_bad_question_text(client, auth, world, body, message):
    product, buyer, _seller = world
    auth.login(buyer.email)
    response = _ask(client, product, body)
    assert response.status_code == 422 and message in page_text(response)
    assert _questions() == []


def test_another_store_cannot_answer_and_the_store_does_not_ask(client, auth, world, factories):
    product, buyer, seller = world
    auth.login(buyer.email)
    _ask(client, product)
    (question,) = _questions()
    auth.logout()
    other = factories.StoreFactory(verified=True)
    auth.login(store_owner(other).email)
    assert client.post(f"/diskusi/{question.id}/jawab", data={"answer": "Saya jawab"}).status_code == 404
    auth.logout()
    auth.login(buyer.email)
    assert client.post(f"/diskusi/{question.id}/jawab", data={"answer": "Saya jawab"}).status_code == 403
    auth.logout()
    auth.login(seller.email)
    own = _ask(client, product, "Pertanyaan sendiri")
    assert own.status_code == 409 and "does not ask" in page_text(own)
    empty = client.post(f"/diskusi/{question.id}/jawab", data={"answer": " "})
    assert empty.status_code == 422 and "Write an answer." in page_text(empty)
    (question,) = _questions()
    assert question.state == "open" and question.answer == ""


def test_mentor_or_admin_hides_with_a_reason_audited(client, auth, world, factories):
    product, buyer, seller = world
    auth.login(buyer.email)
    _ask(client, product, "Nomor WA penjual berapa? 0812xxxx")
    (question,) = _questions()
    auth.logout()
    # A mentor of another store: not theirs to hide.
    stranger = factories.MentorFactory()
    auth.login(stranger.email)
    assert client.post(f"/diskusi/{question.id}/sembunyikan", data={"reason": "Spam"}).status_code == 404
    auth.logout()
    auth.login(seller.email)
    assert client.post(f"/diskusi/{question.id}/sembunyikan", data={"reason": "Spam"}).status_code == 403
    auth.logout()
    mentor = product.store.mentor
    auth.login(mentor.email)
    page = page_text(client.get(f"/produk/{product.slug}"))
    assert "Hide this question" in page
    no_reason = client.post(f"/diskusi/{question.id}/sembunyikan", data={"reason": ""})
    assert no_reason.status_code == 422 and "Say why" in page_text(no_reason)
    hidden = client.post(f"/diskusi/{question.id}/sembunyikan", data={"reason": "Berisi nomor telepon pribadi."})
    assert hidden.status_code == 303
    again = client.post(f"/diskusi/{question.id}/sembunyikan", data={"reason": "Lagi"})
    assert again.status_code == 409
    (question,) = _questions()
    assert question.state == "hidden" and question.hidden_reason == "Berisi nomor telepon pribadi."
    entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "question.hide")).scalar_one()
    assert entry.actor_id == mentor.id and entry.after["reason"] == "Berisi nomor telepon pribadi."
    auth.logout()
    assert "0812xxxx" not in page_text(client.get(f"/produk/{product.slug}"))
    auth.login(seller.email)
    assert client.post(f"/diskusi/{question.id}/jawab", data={"answer": "Telat"}).status_code == 409
    answered = page_text(client.get("/diskusi/toko?state=answered"))
    assert "Berisi nomor telepon pribadi." in answered
    assert db.session.execute(db.select(Notification).where(Notification.user_id == buyer.id,
                                                            Notification.kind == "question_hidden")).scalar_one()


def test_admin_hides_any_question(client, auth, world, factories):
    product, buyer, _seller = world
    auth.login(buyer.email)
    _ask(client, product)
    (question,) = _questions()
    auth.logout()
    admin = factories.AdminFactory()
    auth.login(admin.email)
    assert client.post(f"/diskusi/{question.id}/sembunyikan", data={"reason": "Di luar topik."}).status_code == 303
    assert _questions()[0].state == "hidden"


def test_the_guarded_update_refuses_a_second_answer_racing_the_first(app, world):
    """Two members answer at once: the state check in the UPDATE lets one through."""
    from app.services import Conflict
    from app.services import questions as service

    product, buyer, seller = world
    with app.test_request_context("/"):
        question = service.ask(buyer, product.id, "Ada ukuran 500 g?")
        question_id = question.id
        service.answer(seller, question_id, "Ada")
        # What the second member loaded before the first answered.
        stale = SimpleNamespace(id=question_id, state="open")
        with pytest.raises(Conflict):
            service._move(stale, "answer", answer="Tidak ada")
        db.session.expire_all()
        assert db.session.get(ProductQuestion, question_id).answer == "Ada"
