"""The incubator programme: cohorts, mentoring sessions and actions, training with
attendance and certificates, indicators, graduation with its letter, the programme report."""
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app import clock
from app.extensions import db
from app.models import (AuditEntry, Cohort, CohortMembership, GraduationCase, MentoringSession, OutboxMessage,
                        SessionAction, Store, TrainingEvent, TrainingRegistration)
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import use_english
from tests.incubator_helpers import programme, sale


def login(app, user):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": "Rahasia-Kuat-2026"})
    assert response.status_code == 302
    use_english(client)
    return client


def audit_actions():
    return [a for (a,) in db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id))]


@pytest.fixture
def world(app, factories):
    return programme(factories, stores=2)


# ------------------------------------------------------------------ cohorts


def test_admin_makes_a_cohort_with_two_mentors_and_moves_three_stores_in(app, factories, world):
    admin = login(app, world.admin)
    response = admin.post("/incubator/cohorts", data={"name": "Angkatan 2027", "year": "2027",
                                                      "starts_on": "2027-01-10", "ends_on": "2027-12-20"})
    assert response.status_code == 303
    cohort = db.session.execute(db.select(Cohort).where(Cohort.name == "Angkatan 2027")).scalar_one()
    for mentor in (world.mentor, world.mentor2):
        assert admin.post(f"/incubator/cohorts/{cohort.id}/mentors",
                          data={"mentor_id": str(mentor.id)}).status_code == 303
    three = [*world.stores, world.outside_store]
    for store in three:
        assert admin.post(f"/incubator/cohorts/{cohort.id}/stores",
                          data={"store_id": str(store.id), "note": "pindah angkatan"}).status_code == 303
    db.session.expire_all()
    assert {s.cohort_id for s in db.session.execute(db.select(Store).where(
        Store.id.in_([s.id for s in three]))).scalars()} == {cohort.id}
    # The history keeps the stay in the old cohort, closed, and the new one, open.
    stays = db.session.execute(db.select(CohortMembership).where(
        CohortMembership.store_id == world.outside_store.id).order_by(CohortMembership.id)).scalars().all()
    assert [(s.cohort.name, s.left_at is not None) for s in stays] == [("Angkatan 2025", True),
                                                                      ("Angkatan 2027", False)]
    page = page_text(admin.get(f"/incubator/cohorts/{cohort.id}"))
    assert "Startups (3)" in page or "Startup (3)" in page
    for store in three:
        assert store.name in page
    assert world.mentor.full_name in page and world.mentor2.full_name in page
    assert audit_actions().count("cohort.store_moved") == 3
    # Moving a store where it already is, or a cohort name twice, is refused clearly.
    again = admin.post(f"/incubator/cohorts/{cohort.id}/stores", data={"store_id": str(three[0].id)})
    assert again.status_code == 409 and "already there" in page_text(again)
    twice = admin.post("/incubator/cohorts", data={"name": "Angkatan 2027", "year": "2027"})
    assert twice.status_code == 409
    assert db.session.execute(db.select(db.func.count(Cohort.id)).where(Cohort.name == "Angkatan 2027")).scalar() == 1


def test_only_admins_manage_cohorts(app, world):
    mentor = login(app, world.mentor)
    assert mentor.post("/incubator/cohorts", data={"name": "X", "year": "2027"}).status_code == 403
    assert mentor.post(f"/incubator/cohorts/{world.cohort.id}/stores",
                       data={"store_id": str(world.outside_store.id)}).status_code == 403
    # A mentor sees their own cohorts only.
    assert mentor.get(f"/incubator/cohorts/{world.cohort.id}").status_code == 200
    other = world.outside_store.cohort_id
    assert mentor.get(f"/incubator/cohorts/{other}").status_code == 404
    seller = login(app, world.seller)
    assert seller.get("/incubator/cohorts").status_code == 403


def test_the_seller_no_longer_types_the_cohort(app, factories):
    seller = factories.SellerFactory()
    client = login(app, seller)
    form = client.get("/seller/store/new")
    assert form.status_code == 200 and "Web address" in page_text(form)
    assert "Incubator cohort" not in page_text(form) and 'name="cohort"' not in page_text(form)


# ------------------------------------------------------------------ sessions and actions


def _record_session(client, store, **extra):
    today = clock.today()
    data = {"held_on": today.isoformat(), "minutes": "60", "topics": ["permits", "marketing"],
            "notes": "Urus sertifikat halal; foto produk ulang.",
            "actions-0-title": "Foto ulang produk", "actions-0-due_on": (today + timedelta(days=3)).isoformat(),
            "actions-0-owner": "store",
            "actions-1-title": "Daftar sertifikat halal", "actions-1-due_on": (today + timedelta(days=7)).isoformat(),
            "actions-1-owner": "store"}
    data.update(extra)
    return client.post(f"/incubator/startups/{store.id}/sessions/new", data=data)


def test_session_with_two_actions_one_done_one_overdue_on_both_desks(app, world):
    store = world.stores[0]
    mentor = login(app, world.mentor)
    assert _record_session(mentor, store).status_code == 303
    session = db.session.execute(db.select(MentoringSession)).scalar_one()
    assert session.topics == ["permits", "marketing"] and len(session.actions) == 2
    seller = login(app, world.seller)
    page = page_text(seller.get(f"/incubator/startups/{store.id}"))
    assert "Foto ulang produk" in page and "Daftar sertifikat halal" in page
    first, second = session.actions
    assert seller.post(f"/incubator/actions/{first.id}/done").status_code == 303
    assert seller.post(f"/incubator/actions/{first.id}/done").status_code == 409  # once
    clock.travel(days=10)
    desk = page_text(mentor.get("/incubator/mentor"))
    assert "Overdue actions" in desk and "Daftar sertifikat halal" in desk and "Foto ulang produk" not in desk
    own = page_text(seller.get(f"/incubator/startups/{store.id}"))
    assert "Overdue actions" in own and "overdue since" in own
    seller_desk = page_text(seller.get("/seller/"))
    assert "Daftar sertifikat halal" in seller_desk
    db.session.expire_all()
    assert db.session.get(SessionAction, first.id).done_on is not None
    assert db.session.get(SessionAction, second.id).done_at is None
    assert "mentoring.session_recorded" in audit_actions() and "mentoring.action_done" in audit_actions()
    # The store is at the top of the mentor's list, for its overdue action.
    from app.services.incubator import indicators

    items = indicators.compute([s.id for s in world.stores])
    assert items[0].store_id == store.id and items[0].actions_overdue == 1 and items[0].actions_on_time == 1


def test_mentor_outside_the_cohorts_gets_404(app, world):
    outsider = login(app, world.outsider_mentor)
    store = world.stores[0]
    assert outsider.get(f"/incubator/startups/{store.id}/sessions/new").status_code == 404
    assert _record_session(outsider, store).status_code == 404
    assert outsider.get(f"/incubator/startups/{store.id}").status_code == 404
    assert db.session.execute(db.select(db.func.count(MentoringSession.id))).scalar() == 0


def test_store_member_cannot_edit_the_notes(app, world):
    store = world.stores[0]
    assert _record_session(login(app, world.mentor), store).status_code == 303
    session = db.session.execute(db.select(MentoringSession)).scalar_one()
    seller = login(app, world.seller)
    assert seller.get(f"/incubator/sessions/{session.id}").status_code == 200
    response = seller.post(f"/incubator/sessions/{session.id}", data={"notes": "dihapus"})
    assert response.status_code == 403 and "ask your mentor to change them" in page_text(response)
    db.session.expire_all()
    assert db.session.get(MentoringSession, session.id).notes.startswith("Urus sertifikat")
    # Another store's member does not see it at all.
    stranger = login(app, store_owner(world.stores[1]))
    assert stranger.get(f"/incubator/sessions/{session.id}").status_code == 404
    assert stranger.post(f"/incubator/actions/{session.actions[0].id}/done").status_code == 404
    # The mentor can.
    mentor = login(app, world.mentor2)
    assert mentor.post(f"/incubator/sessions/{session.id}", data={"notes": "Diperbarui"}).status_code == 303
    assert "mentoring.notes_edited" in audit_actions()


@pytest.mark.parametrize("extra, message", [
    ({"held_on": "2999-01-01"}, "in the future"),
    ({"topics": []}, "at least one topic"),
    ({"minutes": "0"}, None),
    ({"actions-0-due_on": "2000-01-01"}, "before the session"),
    ({"actions-0-due_on": ""}, "due date"),
])
def test_bad_session_input_is_refused_and_nothing_is_written(app, world, extra, message):
    response = _record_session(login(app, world.mentor), world.stores[0], **extra)
    assert response.status_code in (400, 422)
    if message:
        assert message in page_text(response)
    assert db.session.execute(db.select(db.func.count(MentoringSession.id))).scalar() == 0


# ------------------------------------------------------------------ training


def _training(admin, world, capacity=5, hours=2):
    start = clock.local_now() + timedelta(hours=hours)
    response = admin.post("/incubator/trainings", data={
        "title": "Copywriting untuk Marketplace", "topic": "copywriting", "day": start.date().isoformat(),
        "at": start.strftime("%H:%M"), "minutes": "120", "place": "Aula Bappeda", "capacity": str(capacity),
        "cohort_ids": [str(world.cohort.id)]})
    assert response.status_code == 303, page_text(response)
    return db.session.execute(db.select(TrainingEvent).order_by(TrainingEvent.id.desc())).scalars().first()


def test_training_two_members_attend_and_their_certificates_verify(app, factories, world):
    admin = login(app, world.admin)
    event = _training(admin, world)
    sellers = [store_owner(s) for s in world.stores]
    clients = [login(app, s) for s in sellers]
    for client in clients:
        assert client.post(f"/incubator/trainings/{event.id}/register").status_code == 303
    registrations = db.session.execute(db.select(TrainingRegistration).order_by(TrainingRegistration.id)).scalars()
    registrations = list(registrations)
    assert len(registrations) == 2
    # Before attendance there is no certificate.
    early = clients[0].get(f"/incubator/certificates/{registrations[0].id}.pdf")
    assert early.status_code == 404 and "not recorded" in page_text(early)
    # Attendance only once the training has started.
    assert admin.post(f"/incubator/trainings/{event.id}/attendance",
                      data={"registration_id": str(registrations[0].id)}).status_code == 409
    clock.travel(hours=3)
    for registration in registrations:
        assert admin.post(f"/incubator/trainings/{event.id}/attendance",
                          data={"registration_id": str(registration.id)}).status_code == 303
    for client, registration in zip(clients, registrations, strict=False):
        pdf = client.get(f"/incubator/certificates/{registration.id}.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
        db.session.refresh(registration)
        code = registration.certificate_code
        assert code.encode() in pdf.data.replace(b"-", b"") or code[:5].encode() in pdf.data
        check = app.test_client()
        use_english(check)
        check = check.get(f"/verifikasi/{code[:5]}-{code[5:]}")
        assert check.status_code == 200
        assert registration.user.full_name in page_text(check) and "Copywriting untuk Marketplace" in page_text(check)
    # Someone else's certificate is not theirs to download.
    assert clients[0].get(f"/incubator/certificates/{registrations[1].id}.pdf").status_code == 404
    assert audit_actions().count("training.attendance_recorded") == 2
    assert app.test_client().get("/verifikasi/AAAAA-BBBBB").status_code == 404


def test_attendance_over_capacity_is_refused(app, factories, world):
    admin = login(app, world.admin)
    event = _training(admin, world, capacity=1)
    first = login(app, world.seller)
    assert first.post(f"/incubator/trainings/{event.id}/register").status_code == 303
    full = login(app, store_owner(world.stores[1])).post(f"/incubator/trainings/{event.id}/register")
    assert full.status_code == 409 and "full" in page_text(full)
    clock.travel(hours=3)
    registration = db.session.execute(db.select(TrainingRegistration)).scalar_one()
    assert admin.post(f"/incubator/trainings/{event.id}/attendance",
                      data={"registration_id": str(registration.id)}).status_code == 303
    walk_in = admin.post(f"/incubator/trainings/{event.id}/attendance",
                         data={"email": store_owner(world.stores[1]).email})
    assert walk_in.status_code == 409 and "capacity" in page_text(walk_in)
    assert db.session.execute(db.select(db.func.count(TrainingRegistration.id)).where(
        TrainingRegistration.attended_at.is_not(None))).scalar() == 1
    # A store outside the invited cohorts cannot register, and nobody but admins records attendance.
    outsider = login(app, store_owner(world.outside_store))
    assert outsider.post(f"/incubator/trainings/{event.id}/register").status_code == 404
    assert first.post(f"/incubator/trainings/{event.id}/attendance",
                      data={"registration_id": str(registration.id)}).status_code == 403


# ------------------------------------------------------------------ graduation


def _ready(factories, world, store):
    """Everything the default criteria ask: 2 permits, 3 live products, 3 months of sales
    worth Rp 5.000.000, a training attended, actions done on time."""
    factories.DocumentFactory(store=store, kind="nib")
    factories.DocumentFactory(store=store, kind="hki")
    for _ in range(3):
        factories.ProductFactory(store=store, live=True)
    now = clock.now()
    for months in range(3):
        sale(store, world.buyer, 2_000_000, at=now - timedelta(days=1 + 31 * months))
    event = TrainingEvent(title="Desain kemasan", topic="design", starts_at=now - timedelta(days=5), capacity=10)
    db.session.add(event)
    db.session.flush()
    db.session.add(TrainingRegistration(training_id=event.id, user_id=store_owner(store).id, store_id=store.id,
                                        attended_at=now - timedelta(days=5)))
    db.session.commit()


def test_a_startup_meeting_all_criteria_is_recommended_and_graduated_and_the_letter_downloads(app, factories, world):
    store = world.stores[0]
    _ready(factories, world, store)
    mentor = login(app, world.mentor)
    page = page_text(mentor.get(f"/incubator/startups/{store.id}"))
    assert "Graduation checklist" in page
    from app.services.incubator import graduation, indicators

    checks = graduation.checklist(indicators.for_store(store.id))
    assert all(c.met for c in checks if c.kind != "actions_on_time")
    graduation.save_criteria(world.admin, {"actions_on_time": (0, False)})
    assert all(c.met for c in graduation.checklist(indicators.for_store(store.id)))
    assert mentor.post(f"/incubator/startups/{store.id}/recommend", data={"note": "Siap mandiri."}).status_code == 303
    assert mentor.post(f"/incubator/startups/{store.id}/recommend", data={"note": "lagi"}).status_code == 409
    case = db.session.execute(db.select(GraduationCase)).scalar_one()
    admin = login(app, world.admin)
    no_reason = admin.post(f"/incubator/graduation/{case.id}/decide", data={"decision": "graduate", "reason": " "})
    assert no_reason.status_code == 422 and "reason" in page_text(no_reason)
    db.session.expire_all()
    assert db.session.get(GraduationCase, case.id).state == "recommended"
    assert mentor.post(f"/incubator/graduation/{case.id}/decide",
                       data={"decision": "graduate", "reason": "x"}).status_code == 403
    assert admin.post(f"/incubator/graduation/{case.id}/decide",
                      data={"decision": "graduate", "reason": "Semua kriteria terpenuhi."}).status_code == 303
    assert admin.post(f"/incubator/graduation/{case.id}/decide",
                      data={"decision": "withdraw", "reason": "lagi"}).status_code == 409
    db.session.expire_all()
    case = db.session.get(GraduationCase, case.id)
    assert case.state == "graduated" and [c.months for c in case.checkins] == [3, 6, 12]
    letter = login(app, world.seller).get(f"/incubator/graduation/{case.id}/letter.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    check = app.test_client()
    use_english(check)
    check = check.get(f"/verifikasi/{case.letter_code}")
    assert check.status_code == 200 and store.name in page_text(check)
    assert "graduation.recommended" in audit_actions() and "graduation.decided" in audit_actions()
    # A stranger gets no letter; the graduate keeps selling (its store is untouched).
    stranger = login(app, store_owner(world.stores[1]))
    assert stranger.get(f"/incubator/graduation/{case.id}/letter.pdf").status_code == 404
    assert db.session.get(Store, store.id).status == "verified"


def test_check_in_reminders_reach_the_mentor_in_the_weekly_digest(app, factories, world):
    store = world.stores[0]
    _record_session(login(app, world.mentor), store)
    clock.travel(days=10)
    from app.services.incubator.digest import send_mentor_digests

    assert send_mentor_digests() == 2  # both mentors of the cohort
    mails = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.to == world.mentor.email)).scalars().all()
    assert len(mails) == 1 and "Daftar sertifikat halal" in mails[0].body_text and "overdue" in mails[0].subject
    assert not db.session.execute(db.select(OutboxMessage).where(
        OutboxMessage.to == world.outsider_mentor.email)).first()
    from app.jobs import periodic_jobs

    assert "incubator-mentor-digest" in [j.name for j in periodic_jobs()]


# ------------------------------------------------------------------ indicators and the report


def test_indicators_for_a_future_period_are_refused(app, world):
    mentor = login(app, world.mentor)
    future = (clock.today() + timedelta(days=40)).isoformat()
    response = mentor.get(f"/incubator/startups/{world.stores[0].id}?from={future}&to={future}")
    assert response.status_code == 422 and "today" in page_text(response)
    assert mentor.get(f"/incubator/mentor?to={future}").status_code == 422
    admin = login(app, world.admin)
    assert admin.get(f"/incubator/report?from=2026-01-01&to={future}").status_code == 422
    assert admin.get(f"/incubator/report.xlsx?to={future}").status_code == 422


def test_the_programme_report_shows_the_cohorts_numbers_and_its_xlsx_opens_with_them(app, factories, world):
    store, other = world.stores
    now = clock.now()
    sale(store, world.buyer, 150_000, at=now - timedelta(hours=2))
    sale(other, world.buyer, 350_000, at=now - timedelta(hours=2), method="department")
    sale(world.outside_store, world.buyer, 1_000_000, at=now - timedelta(hours=2), method="department")
    factories.DocumentFactory(store=store, kind="nib")
    db.session.commit()
    _record_session(login(app, world.mentor), store)
    admin = login(app, world.admin)
    args = f"preset=this_year&cohort={world.cohort.id}"
    page = admin.get(f"/incubator/report?{args}")
    assert page.status_code == 200
    text = page_text(page)
    assert "Rp 150.000" in text.replace("\xa0", " ") and "Rp 350.000" in text.replace("\xa0", " ")
    assert "chart-monthly" in page.get_data(as_text=True)
    book = admin.get(f"/incubator/report.xlsx?{args}")
    assert book.status_code == 200
    workbook = load_workbook(io.BytesIO(book.data))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert summary["Startups"] == 2
    assert summary["Personal sales"] == 150_000 and summary["Department sales"] == 350_000
    assert summary["Mentoring sessions held"] == 1
    assert summary["Permits obtained (first of their kind)"] == 1
    assert summary["Share of the city's department purchases"] == pytest.approx(350_000 / 1_350_000, abs=0.001)
    names = [row[0] for row in workbook["Startups"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted([store.name, other.name])
    pdf = admin.get(f"/incubator/report.pdf?{args}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    csv = admin.get(f"/incubator/report/export/startups.csv?{args}")
    assert csv.status_code == 200 and store.name in csv.get_data(as_text=True)
    assert login(app, world.mentor).get("/incubator/report").status_code == 403


def test_self_report_is_confirmed_by_the_mentor_and_not_for_a_future_month(app, world):
    store = world.stores[0]
    seller = login(app, world.seller)
    future = (clock.today().replace(day=1) + timedelta(days=40)).isoformat()
    refused = seller.post(f"/incubator/startups/{store.id}/self-report",
                          data={"month": future, "employees": "3", "outside_sales": "Rp 2.500.000"})
    assert refused.status_code == 422 and "still to come" in page_text(refused)
    assert seller.post(f"/incubator/startups/{store.id}/self-report",
                       data={"month": clock.today().isoformat(), "employees": "3",
                             "outside_sales": "Rp 2.500.000"}).status_code == 303
    from app.models import SelfReport

    report = db.session.execute(db.select(SelfReport)).scalar_one()
    assert seller.post(f"/incubator/self-reports/{report.id}/confirm").status_code == 403
    assert login(app, world.outsider_mentor).post(f"/incubator/self-reports/{report.id}/confirm").status_code == 404
    assert login(app, world.mentor).post(f"/incubator/self-reports/{report.id}/confirm").status_code == 303
    from app.services.incubator import indicators

    item = indicators.for_store(store.id)
    assert item.employees == 3 and item.outside_sales == 2_500_000


def test_incubator_share_counts_stores_in_a_cohort(app, factories, world):
    from app.services import reports

    now = clock.now()
    sale(world.stores[0], world.buyer, 100_000, at=now - timedelta(hours=1))
    nobody = factories.StoreFactory(verified=True, cohort="")
    sale(nobody, world.buyer, 300_000, at=now - timedelta(hours=1))
    db.session.commit()
    table = reports.incubator_share(reports.preset_period("this_month"))
    assert table.rows[0][3] == 100_000 and table.rows[1][3] == 300_000
    from flask_babel import force_locale

    with force_locale("en"):
        assert re.search(r"while it is in a cohort", str(table.note))
