"""Cohorts (angkatan): admins make them, name their mentors and decide which store is in
which; every move closes the store's stay in its cohort and opens the next, so the history
stays. ``stores.cohort_id`` is the current stay, kept in the same commit."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import authz, clock
from app.extensions import db
from app.models import Cohort, CohortMembership, CohortMentor, Store, User, UserRole
from app.services import Conflict, Invalid, NotFound, audit


def all_cohorts() -> list[Cohort]:
    return list(db.session.execute(
        db.select(Cohort).options(selectinload(Cohort.mentors).selectinload(CohortMentor.mentor))
        .order_by(Cohort.year.desc(), Cohort.name)).scalars())


def get_cohort(cohort_id) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
    if cohort is None:
        raise NotFound(_("Cohort not found."))
    return cohort


def cohorts_visible_to(user) -> list[Cohort]:
    """Admins: every cohort; a mentor: the ones they coach."""
    cohorts = all_cohorts()
    if user.has_role("admin"):
        return cohorts
    mine = set(authz.mentor_cohort_ids(user))
    return [c for c in cohorts if c.id in mine]


def _check_dates(starts_on, ends_on):
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid(_("The cohort ends before it starts. Choose an end date on or after the start date."))


def create_cohort(actor, name: str, year: int, starts_on: date | None = None, ends_on: date | None = None) -> Cohort:
    """A new cohort; its name is unique (it is what people call it)."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("The cohort needs a name, e.g. Angkatan 2027."))
    _check_dates(starts_on, ends_on)
    if db.session.execute(db.select(Cohort.id).where(Cohort.name == name)).first():
        raise Conflict(_("There is already a cohort named %(name)s.", name=name))
    cohort = Cohort(name=name, year=year, starts_on=starts_on, ends_on=ends_on)
    db.session.add(cohort)
    db.session.flush()
    audit.record(actor, "cohort.created", cohort, after={"name": name, "year": year})
    db.session.commit()
    return cohort


def mentor_choices() -> list[tuple[int, str]]:
    return [(u.id, f"{u.full_name} ({u.email})") for u in db.session.execute(
        db.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "mentor", User.active.is_(True)).order_by(User.full_name)).scalars()]


def add_mentor(actor, cohort_id: int, mentor_id: int) -> None:
    cohort = get_cohort(cohort_id)
    if mentor_id not in dict(mentor_choices()):
        raise Invalid(_("Choose one of the mentors."))
    if any(m.mentor_id == mentor_id for m in cohort.mentors):
        raise Conflict(_("This mentor already coaches the cohort."))
    cohort.mentors.append(CohortMentor(mentor_id=mentor_id))
    audit.record(actor, "cohort.mentor_added", cohort, after={"mentor_id": mentor_id})
    db.session.commit()


def remove_mentor(actor, cohort_id: int, mentor_id: int) -> None:
    cohort = get_cohort(cohort_id)
    link = next((m for m in cohort.mentors if m.mentor_id == mentor_id), None)
    if link is None:
        raise NotFound(_("This mentor does not coach the cohort."))
    cohort.mentors.remove(link)
    audit.record(actor, "cohort.mentor_removed", cohort, before={"mentor_id": mentor_id})
    db.session.commit()


def place_in_cohort(store: Store, cohort: Cohort | None, actor=None, note: str = "") -> None:
    """Close the store's current stay and open one in ``cohort`` (None: out of any cohort).
    The caller commits; demo data and factories use this too."""
    now = clock.now()
    current = db.session.execute(db.select(CohortMembership).where(
        CohortMembership.store_id == store.id, CohortMembership.left_at.is_(None))).scalars().all()
    for stay in current:
        stay.left_at = now
    if cohort is not None:
        db.session.add(CohortMembership(store_id=store.id, cohort_id=cohort.id, joined_at=now,
                                        added_by_id=getattr(actor, "id", None), note=note or ""))
    store.cohort = cohort


def move_store(actor, store_id: int, cohort_id: int | None, note: str = "") -> Store:
    """An admin's decision: ``store_id`` is in cohort ``cohort_id`` from now (0/None: in none)."""
    store = db.session.get(Store, store_id) if store_id else None
    if store is None:
        raise NotFound(_("Store not found."))
    cohort = get_cohort(cohort_id) if cohort_id else None
    if (cohort.id if cohort else None) == store.cohort_id:
        raise Conflict(_("%(store)s is already there.", store=store.name))
    before = store.cohort.name if store.cohort else ""
    place_in_cohort(store, cohort, actor, note)
    audit.record(actor, "cohort.store_moved", store, before={"cohort": before},
                 after={"cohort": cohort.name if cohort else ""}, note=note)
    db.session.commit()
    return store


def cohort_named(name: str, year: int | None = None) -> Cohort:
    """The cohort called ``name``, made when missing (for demo data and tests); no commit."""
    cohort = db.session.execute(db.select(Cohort).where(Cohort.name == name)).scalar_one_or_none()
    if cohort is None:
        found = re.search(r"(19|20)\d\d", name)
        cohort = Cohort(name=name, year=year or (int(found.group(0)) if found else clock.today().year))
        db.session.add(cohort)
        db.session.flush()
    return cohort


def history(store_ids, limit: int | None = None) -> list[CohortMembership]:
    """The cohort moves of ``store_ids``, newest first (at most ``limit``)."""
    return list(db.session.execute(
        db.select(CohortMembership).options(selectinload(CohortMembership.cohort),
                                            selectinload(CohortMembership.store),
                                            selectinload(CohortMembership.added_by))
        .where(CohortMembership.store_id.in_(store_ids))
        .order_by(CohortMembership.joined_at.desc(), CohortMembership.id.desc()).limit(limit)).scalars())


def members(cohort_id: int) -> list[Store]:
    return list(db.session.execute(
        db.select(Store).where(Store.cohort_id == cohort_id).order_by(Store.name)).scalars())


def store_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(db.select(Store.id, Store.name, Cohort.name).outerjoin(
        Cohort, Cohort.id == Store.cohort_id).order_by(Store.name)).all()
    return [(sid, f"{name} ({cohort})" if cohort else name) for sid, name, cohort in rows]


def startup_ids_for(user) -> list[int]:
    """The stores ``user`` follows in the programme: all in a cohort (admin), those of the
    cohorts they coach (mentor), their own (member)."""
    if user.has_role("admin"):
        return list(db.session.execute(db.select(Store.id).where(Store.cohort_id.is_not(None))).scalars())
    ids: set[int] = set()
    cohort_ids = authz.mentor_cohort_ids(user)
    if cohort_ids:
        ids.update(db.session.execute(db.select(Store.id).where(Store.cohort_id.in_(cohort_ids))).scalars())
    own = set(authz.store_ids_of(user))
    return sorted(ids - own)


def get_startup(user, store_id) -> Store:
    """A store ``user`` may follow in the programme (coach or member), else 404."""
    store = db.session.get(Store, store_id) if store_id else None
    if store is None or not authz.can_follow_programme(user, store):
        raise NotFound(_("Startup not found."))
    return store
