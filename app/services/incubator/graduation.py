"""Graduation: the programme's criteria, the checklist each startup's indicators fill, the
mentor's recommendation and the admin's decision, the letter of graduates, and the check-ins
3, 6 and 12 months after. Also the monthly self-report the mentor confirms.

Rules: a case moves by ``TRANSITIONS`` (recommended -> graduated | extended | withdrawn)
with a guarded UPDATE, so two admins deciding at once cannot both succeed; a decision needs
a reason; only the store's coach recommends, and only when no case of the store is open;
only an admin decides. A graduate keeps selling; its check-ins are due from the decision."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm import selectinload

from app import authz, clock
from app.extensions import db
from app.models import (
    CHECKIN_MONTHS,
    CRITERIA_KINDS,
    GraduationCase,
    GraduationCheckin,
    GraduationCriterion,
    GraduationState,
    SelfReport,
    Store,
)
from app.orm import rows_matched
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services.incubator import indicators as indicator_service
from app.services.procurement import document_code

# The programme's defaults until an admin sets its own (kind -> threshold).
DEFAULT_CRITERIA = {"permits": 2, "live_products": 3, "months_with_sales": 3, "revenue": 5_000_000,
                    "trainings": 1, "actions_on_time": 50}
DECISIONS = {"graduate": GraduationState.GRADUATED, "extend": GraduationState.EXTENDED,
             "withdraw": GraduationState.WITHDRAWN}
TRANSITIONS = {GraduationState.RECOMMENDED: DECISIONS}
OPEN_STATES = (GraduationState.RECOMMENDED,)


@dataclass
class Criterion:
    kind: str
    threshold: int
    active: bool = True


@dataclass
class CheckItem:
    kind: str
    threshold: int
    value: int
    met: bool


def criteria() -> list[Criterion]:
    stored = {c.kind: c for c in db.session.execute(db.select(GraduationCriterion)).scalars()}
    return [Criterion(k, stored[k].threshold, stored[k].active) if k in stored else Criterion(k, DEFAULT_CRITERIA[k])
            for k in CRITERIA_KINDS]


def save_criteria(actor, values: dict[str, tuple[int, bool]]) -> None:
    """``values``: kind -> (threshold, active), for the kinds of CRITERIA_KINDS."""
    before = {c.kind: [c.threshold, c.active] for c in criteria()}
    for kind, (threshold, active) in values.items():
        if kind not in CRITERIA_KINDS:
            raise Invalid(_("Unknown criterion."))
        if threshold is None or threshold < 0:
            raise Invalid(_("A criterion's threshold is a number from 0 up."))
        if kind == "actions_on_time" and threshold > 100:
            raise Invalid(_("The share of actions done on time is at most 100 %."))
        row = db.session.get(GraduationCriterion, kind) or GraduationCriterion(kind=kind)
        row.threshold, row.active = threshold, bool(active)
        db.session.add(row)
    audit.record(actor, "graduation.criteria_saved", object_type="graduationcriterion", before=before,
                 after={k: [t, a] for k, (t, a) in values.items()})
    db.session.commit()


def value_of(kind: str, item) -> int:
    return {"permits": item.permits_held, "live_products": item.live_products,
            "months_with_sales": item.months_with_sales, "revenue": item.sales,
            "trainings": item.trainings, "actions_on_time": item.on_time_percent or 0}[kind]


def checklist(item) -> list[CheckItem]:
    return [CheckItem(c.kind, c.threshold, value_of(c.kind, item), value_of(c.kind, item) >= c.threshold)
            for c in criteria() if c.active]


def open_case(store_id) -> GraduationCase | None:
    return db.session.execute(db.select(GraduationCase).where(
        GraduationCase.store_id == store_id, GraduationCase.state.in_(OPEN_STATES))).scalar_one_or_none()


def latest_case(store_id) -> GraduationCase | None:
    return db.session.execute(db.select(GraduationCase).options(selectinload(GraduationCase.checkins))
                              .where(GraduationCase.store_id == store_id)
                              .order_by(GraduationCase.id.desc()).limit(1)).scalar_one_or_none()


def recommend(actor, store_id: int, note: str) -> GraduationCase:
    store = db.session.get(Store, store_id) if store_id else None
    if store is None or not authz.can_coach(actor, store):
        raise NotFound(_("Startup not found."))
    if open_case(store.id) is not None:
        raise Conflict(_("%(store)s is already waiting for a decision.", store=store.name))
    latest = latest_case(store.id)
    if latest is not None and latest.state == GraduationState.GRADUATED:
        raise Conflict(_("%(store)s has graduated already.", store=store.name))
    items = checklist(indicator_service.for_store(store.id))
    case = GraduationCase(store_id=store.id, cohort_id=store.cohort_id, recommended_by_id=actor.id,
                          recommendation_note=(note or "").strip(),
                          criteria_snapshot=[[i.kind, i.threshold, i.value, i.met] for i in items])
    db.session.add(case)
    db.session.flush()
    audit.record(actor, "graduation.recommended", case,
                 after={"store_id": store.id, "criteria_met": all(i.met for i in items)})
    db.session.commit()
    return case


def queue() -> list[GraduationCase]:
    return list(db.session.execute(db.select(GraduationCase).options(
        selectinload(GraduationCase.store), selectinload(GraduationCase.cohort),
        selectinload(GraduationCase.recommended_by), selectinload(GraduationCase.decided_by))
        .order_by(GraduationCase.state != GraduationState.RECOMMENDED, GraduationCase.recommended_at.desc())
        .limit(200)).scalars())


def letter_number(case: GraduationCase) -> str:
    return f"LULUS/{clock.local_now().year}/{case.id:05d}"


def decide(actor, case_id: int, decision: str, reason: str) -> GraduationCase:
    if not actor.has_role("admin"):
        raise NotFound(_("Graduation case not found."))
    case = db.session.get(GraduationCase, case_id) if case_id else None
    if case is None:
        raise NotFound(_("Graduation case not found."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason for the decision: it goes into the startup's record and letter."))
    new_state = TRANSITIONS.get(GraduationState(case.state), {}).get(decision)
    if new_state is None:
        raise Conflict(_("This case was decided already."))
    now = clock.now()
    values = {"state": new_state.value, "decided_by_id": actor.id, "decided_at": now, "reason": reason}
    if new_state == GraduationState.GRADUATED:
        number = letter_number(case)
        values.update(letter_number=number, letter_code=document_code("graduation", number))
    moved = db.session.execute(update(GraduationCase).where(
        GraduationCase.id == case.id, GraduationCase.state == case.state).values(**values)
        .execution_options(synchronize_session=False))
    if rows_matched(moved) != 1:
        db.session.rollback()
        raise Conflict(_("This case was decided already."))
    if new_state == GraduationState.GRADUATED:
        today = clock.today()
        for months in CHECKIN_MONTHS:
            db.session.add(GraduationCheckin(case_id=case.id, months=months, due_on=add_months(today, months)))
    audit.record(actor, "graduation.decided", case, before={"state": case.state},
                 after={"state": new_state.value, "reason": reason})
    db.session.commit()
    db.session.refresh(case)
    return case


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def letter_for(user, case_id) -> GraduationCase:
    case = db.session.get(GraduationCase, case_id) if case_id else None
    if case is None or not authz.can_follow_programme(user, case.store) \
            or case.state != GraduationState.GRADUATED or not case.letter_code:
        raise NotFound(_("There is no graduation letter for this startup."))
    return case


def record_checkin(actor, checkin_id: int, still_selling: bool, employees: int | None, note: str) -> GraduationCheckin:
    checkin = db.session.get(GraduationCheckin, checkin_id) if checkin_id else None
    if checkin is None or not authz.can_coach(actor, checkin.case.store):
        raise NotFound(_("Check-in not found."))
    if checkin.done_at is not None:
        raise Conflict(_("This check-in was recorded already."))
    checkin.done_at, checkin.done_by_id = clock.now(), actor.id
    checkin.still_selling, checkin.employees, checkin.note = still_selling, employees, (note or "").strip()
    audit.record(actor, "graduation.checkin_recorded", checkin,
                 after={"months": checkin.months, "still_selling": still_selling, "employees": employees})
    db.session.commit()
    return checkin


# ------------------------------------------------------------------ monthly self-report


def submit_self_report(actor, store_id: int, month: date, employees: int, outside_sales: int) -> SelfReport:
    """A store member tells the month's people employed and sales outside the market; it
    can be corrected until the mentor confirms it. Not for a month still to come."""
    store = db.session.get(Store, store_id) if store_id else None
    if store is None or not authz.is_member(actor, store):
        raise NotFound(_("Startup not found."))
    month = month.replace(day=1)
    if month > clock.today().replace(day=1):
        raise Invalid(_("A month still to come has nothing to report yet."))
    report = db.session.execute(db.select(SelfReport).where(
        SelfReport.store_id == store.id, SelfReport.month == month)).scalar_one_or_none()
    if report is not None and report.confirmed_at is not None:
        raise Conflict(_("Your mentor confirmed this month's report; it no longer changes."))
    if report is None:
        report = SelfReport(store_id=store.id, month=month)
        db.session.add(report)
    report.employees, report.outside_sales = employees, outside_sales
    report.submitted_by_id, report.submitted_at = actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "programme.self_report_submitted", report,
                 after={"month": month.isoformat(), "employees": employees, "outside_sales": outside_sales})
    db.session.commit()
    return report


def confirm_self_report(actor, report_id: int) -> SelfReport:
    report = db.session.get(SelfReport, report_id) if report_id else None
    store = db.session.get(Store, report.store_id) if report else None
    if report is None or store is None or not authz.can_coach(actor, store):
        raise NotFound(_("Report not found."))
    if report.confirmed_at is not None:
        raise Conflict(_("This report is confirmed already."))
    if actor.id == report.submitted_by_id:
        raise NotAllowed(_("Nobody confirms their own report."))
    report.confirmed_at, report.confirmed_by_id = clock.now(), actor.id
    audit.record(actor, "programme.self_report_confirmed", report, after={"month": report.month.isoformat()})
    db.session.commit()
    return report


def self_reports(store_id: int) -> list[SelfReport]:
    return list(db.session.execute(db.select(SelfReport).where(SelfReport.store_id == store_id)
                                   .order_by(SelfReport.month.desc()).limit(24)).scalars())
