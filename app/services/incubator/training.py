"""Training events the programme runs: admins publish them to cohorts, store members of
those cohorts register while there is room, the organiser (an admin) records who attended,
and each attendee gets a certificate with a verification code.

Rules: registrations and attendance never exceed the capacity (a walk-in is recorded only
while a seat is free); a certificate exists only for an attendance that was recorded; the
certificate's code is derived from its number with the app's secret, as the department
documents' are, and the public verification page checks it."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlalchemy.orm import selectinload

from app import authz, clock
from app.clock import LOCAL_TZ
from app.extensions import db
from app.models import (
    SESSION_TOPICS,
    Cohort,
    StoreMember,
    TrainingEvent,
    TrainingInvitation,
    TrainingRegistration,
    User,
)
from app.orm import rows_matched
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services.procurement import document_code

MAX_CAPACITY = 1000


def local_start(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LOCAL_TZ).astimezone(timezone.utc)


def create_training(actor, title: str, topic: str, day: date, at: time | None, minutes: int, place: str,
                    online_url: str, capacity: int, cohort_ids: list[int]) -> TrainingEvent:
    title = (title or "").strip()
    if not title:
        raise Invalid(_("The training needs a title."))
    if topic not in SESSION_TOPICS:
        raise Invalid(_("Choose the training's topic."))
    if not (place or "").strip() and not (online_url or "").strip():
        raise Invalid(_("Give the place or the online link."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise Invalid(_("The capacity is between 1 and %(most)d people.", most=MAX_CAPACITY))
    if at is None:
        raise Invalid(_("Give the time the training starts."))
    if not 1 <= minutes <= 24 * 60:
        raise Invalid(_("A training lasts between 1 minute and 24 hours."))
    cohorts = list(db.session.execute(db.select(Cohort).where(Cohort.id.in_(cohort_ids or []))).scalars())
    if not cohorts:
        raise Invalid(_("Invite at least one cohort."))
    event = TrainingEvent(title=title[:160], topic=topic, starts_at=local_start(day, at), minutes=minutes,
                          place=(place or "").strip()[:200], online_url=(online_url or "").strip()[:300],
                          capacity=capacity, created_by_id=actor.id)
    for cohort in cohorts:
        event.invitations.append(TrainingInvitation(cohort_id=cohort.id))
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "training.created", event,
                 after={"title": event.title, "capacity": capacity, "cohorts": [c.name for c in cohorts]})
    db.session.commit()
    return event


def _load(training_id) -> TrainingEvent:
    event = db.session.execute(db.select(TrainingEvent).options(
        selectinload(TrainingEvent.invitations).selectinload(TrainingInvitation.cohort),
        selectinload(TrainingEvent.registrations).selectinload(TrainingRegistration.user),
        selectinload(TrainingEvent.registrations).selectinload(TrainingRegistration.store))
        .where(TrainingEvent.id == training_id)).scalar_one_or_none() if training_id else None
    if event is None:
        raise NotFound(_("Training not found."))
    return event


def _store_membership(user):
    return db.session.execute(db.select(StoreMember).where(StoreMember.user_id == user.id)).scalar_one_or_none()


def invited(event: TrainingEvent, store) -> bool:
    return store is not None and store.cohort_id in {i.cohort_id for i in event.invitations}


def get_training_for(user, training_id) -> TrainingEvent:
    """Admins see every training; mentors those of their cohorts; store members those their cohort is invited to."""
    event = _load(training_id)
    if user.has_role("admin"):
        return event
    cohort_ids = {i.cohort_id for i in event.invitations}
    if cohort_ids & set(authz.mentor_cohort_ids(user)):
        return event
    member = _store_membership(user)
    if member is not None and member.store.cohort_id in cohort_ids:
        return event
    raise NotFound(_("Training not found."))


def trainings_for(user) -> list[TrainingEvent]:
    query = db.select(TrainingEvent).options(selectinload(TrainingEvent.invitations).selectinload(
        TrainingInvitation.cohort), selectinload(TrainingEvent.registrations)).order_by(TrainingEvent.starts_at.desc())
    if not user.has_role("admin"):
        cohort_ids = set(authz.mentor_cohort_ids(user))
        member = _store_membership(user)
        if member is not None and member.store.cohort_id:
            cohort_ids.add(member.store.cohort_id)
        query = query.where(TrainingEvent.id.in_(
            db.select(TrainingInvitation.training_id).where(TrainingInvitation.cohort_id.in_(cohort_ids))))
    return list(db.session.execute(query).scalars())


def register(actor, training_id: int) -> TrainingRegistration:
    """A store member of an invited cohort takes a seat, before the training starts."""
    event = get_training_for(actor, training_id)
    member = _store_membership(actor)
    if member is None or not invited(event, member.store):
        raise NotAllowed(_("Only members of the invited cohorts' stores register for this training."))
    if clock.now() >= event.starts_at:
        raise Conflict(_("This training has started; registration is closed."))
    if any(r.user_id == actor.id for r in event.registrations):
        raise Conflict(_("You are already registered."))
    if len(event.registrations) >= event.capacity:
        raise Conflict(_("The training is full (%(capacity)d seats).", capacity=event.capacity))
    registration = TrainingRegistration(training_id=event.id, user_id=actor.id, store_id=member.store_id)
    db.session.add(registration)
    db.session.flush()
    audit.record(actor, "training.registered", registration, after={"training_id": event.id})
    db.session.commit()
    return registration


def attended_count(training_id: int) -> int:
    return db.session.execute(db.select(func.count(TrainingRegistration.id)).where(
        TrainingRegistration.training_id == training_id, TrainingRegistration.attended_at.is_not(None))).scalar_one()


def certificate_number(event: TrainingEvent, registration: TrainingRegistration) -> str:
    return f"SERT/{event.starts_at.astimezone(LOCAL_TZ).year}/{event.id:04d}/{registration.id:05d}"


def record_attendance(actor, training_id: int, registration_id: int | None = None,
                      email: str | None = None) -> TrainingRegistration:
    """The organiser marks a registered person present, or records a walk-in by e-mail (a member
    of an invited store), while the attendance stays within the capacity."""
    if not actor.has_role("admin"):
        raise NotFound(_("Training not found."))
    event = _load(training_id)
    if clock.now() < event.starts_at:
        raise Conflict(_("Attendance is recorded once the training has started."))
    registration: TrainingRegistration | None = None
    user, member = None, None
    if registration_id:
        registration = next((r for r in event.registrations if r.id == registration_id), None)
        if registration is None:
            raise NotFound(_("This person is not registered for the training."))
    else:
        address = (email or "").strip().lower()
        user = db.session.execute(db.select(User).where(func.lower(User.email) == address)).scalar_one_or_none()
        member = _store_membership(user) if user is not None else None
        if user is None or member is None or not invited(event, member.store):
            raise Invalid(_("No member of an invited cohort's store has this e-mail address."))
        registration = next((r for r in event.registrations if r.user_id == user.id), None)
    if registration is not None and registration.attended_at is not None:
        raise Conflict(_("%(name)s is already recorded as present.", name=registration.user.full_name))
    if attended_count(event.id) >= event.capacity:
        raise Conflict(_("Attendance is at the training's capacity (%(capacity)d); no more can be recorded.",
                         capacity=event.capacity))
    if registration is None:
        assert user is not None and member is not None  # a walk-in, found above
        registration = TrainingRegistration(training_id=event.id, user_id=user.id, store_id=member.store_id)
        db.session.add(registration)
        db.session.flush()
    number = certificate_number(event, registration)
    marked = db.session.execute(update(TrainingRegistration).where(
        TrainingRegistration.id == registration.id, TrainingRegistration.attended_at.is_(None)).values(
        attended_at=clock.now(), recorded_by_id=actor.id, certificate_number=number,
        certificate_code=document_code("certificate", number)).execution_options(synchronize_session=False))
    if rows_matched(marked) != 1:
        db.session.rollback()
        raise Conflict(_("This attendance was just recorded by someone else."))
    audit.record(actor, "training.attendance_recorded", registration,
                 after={"training_id": event.id, "user_id": registration.user_id, "certificate": number})
    db.session.commit()
    db.session.refresh(registration)
    return registration


def certificate_for(user, registration_id) -> TrainingRegistration:
    """The attendee's own certificate (or any, for an admin); none without a recorded attendance."""
    registration = db.session.get(TrainingRegistration, registration_id) if registration_id else None
    if registration is None or not (user.has_role("admin") or registration.user_id == user.id):
        raise NotFound(_("Certificate not found."))
    if registration.attended_at is None or not registration.certificate_code:
        raise NotFound(_("There is no certificate: the attendance at this training was not recorded."))
    return registration


def trainings_registrations_of(store_id: int) -> list[TrainingRegistration]:
    """The store's members' registrations, newest training first (for certificates)."""
    return list(db.session.execute(db.select(TrainingRegistration).options(
        selectinload(TrainingRegistration.training), selectinload(TrainingRegistration.user))
        .join(TrainingEvent, TrainingEvent.id == TrainingRegistration.training_id)
        .where(TrainingRegistration.store_id == store_id).order_by(TrainingEvent.starts_at.desc())).scalars())
