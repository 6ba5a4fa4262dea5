"""The mentors' weekly digest: each mentor gets one e-mail listing the overdue agreed
actions of the startups in the cohorts they coach and the graduates' check-ins that are due.
A mentor with nothing overdue or due gets no e-mail. Registered as a weekly periodic job."""
from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _

from app import clock
from app.extensions import db
from app.models import CohortMentor, GraduationCase, GraduationCheckin, SessionAction, Store, User
from app.services.mail import queue_email
from app.urls import absolute_url


def send_mentor_digests() -> int:
    """Queue the digests; returns how many were queued. One commit."""
    today = clock.today()
    coached = defaultdict(set)  # mentor id -> store ids
    for mentor_id, store_id in db.session.execute(
            db.select(CohortMentor.mentor_id, Store.id).join(Store, Store.cohort_id == CohortMentor.cohort_id)):
        coached[mentor_id].add(store_id)
    if not coached:
        return 0
    all_ids = set().union(*coached.values())
    overdue = defaultdict(list)
    for action, name in db.session.execute(
            db.select(SessionAction, Store.name).join(Store, Store.id == SessionAction.store_id)
            .where(SessionAction.store_id.in_(all_ids), SessionAction.done_at.is_(None),
                   SessionAction.due_on < today).order_by(SessionAction.due_on)).tuples():
        overdue[action.store_id].append((name, action))
    checkins = defaultdict(list)
    for checkin, store_id, name in db.session.execute(
            db.select(GraduationCheckin, GraduationCase.store_id, Store.name)
            .join(GraduationCase, GraduationCase.id == GraduationCheckin.case_id)
            .join(Store, Store.id == GraduationCase.store_id)
            .where(GraduationCase.store_id.in_(all_ids), GraduationCheckin.done_at.is_(None),
                   GraduationCheckin.due_on <= today)).tuples():
        checkins[store_id].append((name, checkin))
    mentors = {u.id: u for u in db.session.execute(
        db.select(User).where(User.id.in_(list(coached)), User.active.is_(True))).scalars()}
    sent = 0
    for mentor_id, store_ids in coached.items():
        mentor = mentors.get(mentor_id)
        actions = sorted((item for sid in store_ids for item in overdue.get(sid, [])), key=lambda i: i[1].due_on)
        due = sorted((item for sid in store_ids for item in checkins.get(sid, [])), key=lambda i: i[1].due_on)
        if mentor is None or not (actions or due):
            continue
        queue_email(mentor.email, _("Weekly digest: %(count)d overdue action(s) in your cohorts", count=len(actions)),
                    "mentor_digest", locale=mentor.locale, mentor=mentor, actions=actions, checkins=due, today=today,
                    url=absolute_url("incubator.mentor_desk"))
        sent += 1
    db.session.commit()
    return sent
