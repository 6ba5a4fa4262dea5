"""Mentoring sessions and the actions agreed in them.

Rules: only a coach of the store (a mentor of its current cohort, or an admin) records a
session or edits its notes; anyone else gets 404, the store's own members 403 (they read the
session and tick actions, but the notes are the mentor's). A session is not dated in the
future; an action is due on or after the session. An action is ticked once (a guarded
UPDATE), by a member of the store or its coach; it was on time when ticked on or before its
due day (local dates)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm import selectinload

from app import authz, clock
from app.extensions import db
from app.models import ACTION_OWNERS, SESSION_TOPICS, MentoringSession, SessionAction, Store
from app.orm import rows_matched
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit

MAX_MINUTES = 8 * 60


@dataclass
class AgreedAction:
    title: str
    due_on: date
    owner: str = "store"


def _coached_store(actor, store_id) -> Store:
    store = db.session.get(Store, store_id) if store_id else None
    if store is None or not authz.can_coach(actor, store):
        raise NotFound(_("Startup not found."))
    return store


def record_session(actor, store_id: int, held_on: date, minutes: int, topics: list[str], notes: str,
                   actions: list[AgreedAction]) -> MentoringSession:
    store = _coached_store(actor, store_id)
    if held_on > clock.today():
        raise Invalid(_("A session is recorded once it has taken place: the date is in the future."))
    if not 1 <= minutes <= MAX_MINUTES:
        raise Invalid(_("A session lasts between 1 minute and 8 hours."))
    topics = [t for t in SESSION_TOPICS if t in set(topics or ())]
    if not topics:
        raise Invalid(_("Choose at least one topic."))
    for action in actions:
        if not action.title.strip():
            raise Invalid(_("Each agreed action needs a description."))
        if action.due_on < held_on:
            raise Invalid(_("An action cannot be due before the session it was agreed in."))
        if action.owner not in ACTION_OWNERS:
            raise Invalid(_("Choose who does the action."))
    session = MentoringSession(store_id=store.id, cohort_id=store.cohort_id, mentor_id=actor.id, held_on=held_on,
                               minutes=minutes, topics=topics, notes=notes or "")
    for action in actions:
        session.actions.append(SessionAction(store_id=store.id, title=action.title.strip()[:200],
                                             due_on=action.due_on, owner=action.owner))
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "mentoring.session_recorded", session,
                 after={"store_id": store.id, "held_on": held_on.isoformat(), "minutes": minutes, "topics": topics,
                        "actions": len(actions)})
    db.session.commit()
    return session


def get_session_for(user, session_id) -> MentoringSession:
    """A session its store's coaches and members may read; anyone else: 404."""
    session = db.session.execute(db.select(MentoringSession).options(
        selectinload(MentoringSession.actions), selectinload(MentoringSession.mentor),
        selectinload(MentoringSession.store).selectinload(Store.members))
        .where(MentoringSession.id == session_id)).scalar_one_or_none()
    if session is None or not authz.can_follow_programme(user, session.store):
        raise NotFound(_("Session not found."))
    return session


def update_notes(actor, session_id: int, notes: str) -> MentoringSession:
    session = get_session_for(actor, session_id)
    if authz.is_member(actor, session.store):
        raise NotAllowed(_("A session's notes are the mentor's: ask your mentor to change them."))
    before = session.notes
    session.notes = notes or ""
    audit.record(actor, "mentoring.notes_edited", session, before={"notes": before}, after={"notes": session.notes})
    db.session.commit()
    return session


def tick_action(actor, action_id: int) -> SessionAction:
    """Mark an agreed action done, once."""
    action = db.session.get(SessionAction, action_id) if action_id else None
    if action is None:
        raise NotFound(_("Action not found."))
    store = db.session.get(Store, action.store_id)
    if store is None or not authz.can_follow_programme(actor, store):
        raise NotFound(_("Action not found."))
    now, today = clock.now(), clock.today()
    claimed = db.session.execute(update(SessionAction).where(
        SessionAction.id == action.id, SessionAction.done_at.is_(None)).values(
        done_at=now, done_on=today, done_by_id=actor.id).execution_options(synchronize_session=False))
    if rows_matched(claimed) != 1:
        db.session.rollback()
        raise Conflict(_("This action is already done."))
    audit.record(actor, "mentoring.action_done", object_type="sessionaction", object_id=action.id,
                 after={"done_on": today.isoformat(), "due_on": action.due_on.isoformat(),
                        "on_time": today <= action.due_on})
    db.session.commit()
    db.session.refresh(action)
    return action


def sessions_of(store_id: int) -> list[MentoringSession]:
    return list(db.session.execute(db.select(MentoringSession).options(
        selectinload(MentoringSession.actions), selectinload(MentoringSession.mentor))
        .where(MentoringSession.store_id == store_id)
        .order_by(MentoringSession.held_on.desc(), MentoringSession.id.desc())).scalars())


def overdue_actions(store_ids, today: date | None = None) -> list[tuple[SessionAction, str]]:
    """Open actions past their due day, of these stores, oldest first, with the store's name."""
    if not store_ids:
        return []
    today = today or clock.today()
    return [(a, name) for a, name in db.session.execute(
        db.select(SessionAction, Store.name).join(Store, Store.id == SessionAction.store_id)
        .where(SessionAction.store_id.in_(store_ids), SessionAction.done_at.is_(None),
               SessionAction.due_on < today)
        .order_by(SessionAction.due_on, SessionAction.id)).tuples()]
