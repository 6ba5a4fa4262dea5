"""Milestones and indicators of each startup, computed from what the market already holds:
permits (and when each was first verified), live products, first and latest sale, sales
and orders per month, repeat buyers, departments served, training attended, agreed actions
done on time, sessions, the confirmed monthly self-reports, the graduation case.

Rules: one grouped query per indicator for all the stores asked about (a fixed number of
queries for a cohort of any size: tests/test_incubator_queries.py counts them); sales are
``reports.SALE_STATES`` dated when placed, months are local (WIB) months; a period never
ends after today (the future has no figures: ``reports.parse_period`` refuses it). The
store rating is the departments' rating of the store (app.services.store_ratings), all
time, as the buyers see it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func

from app import clock
from app.extensions import db
from app.models import (
    BusinessDocument,
    Cohort,
    DepartmentPurchase,
    GraduationCase,
    GraduationCheckin,
    MentoringSession,
    Order,
    Product,
    SelfReport,
    SessionAction,
    Store,
    TrainingRegistration,
)
from app.services import reports, store_ratings
from app.services.reports import Period

# The permits the programme follows, each met by any of its document kinds.
PERMIT_GROUPS = {"nib": ("nib",), "pirt_bpom": ("pirt", "bpom_md", "bpom_ml"), "halal": ("halal",), "hki": ("hki",)}
NO_SALE_DAYS = 60
NO_SESSION_DAYS = 30


@dataclass
class StartupIndicators:
    store_id: int
    name: str
    slug: str
    cohort: str = ""
    permits: dict = field(default_factory=dict)  # group -> first verified (UTC datetime) of one held now
    live_products: int = 0
    first_sale: datetime | None = None
    last_sale: datetime | None = None
    months: dict = field(default_factory=dict)  # 'YYYY-MM-01' -> {"orders", "sales", "department"}
    orders: int = 0
    sales: int = 0
    department_sales: int = 0
    repeat_buyers: int = 0
    departments_served: int = 0
    trainings: int = 0
    actions_due: int = 0
    actions_on_time: int = 0
    actions_overdue: int = 0
    sessions: int = 0
    last_session: date | None = None
    employees: int | None = None
    outside_sales: int = 0
    reports_waiting: int = 0
    graduation: str = ""
    graduation_case_id: int | None = None
    checkins_due: int = 0
    rating_average: float | None = None  # the departments' rating of the store, 1-4
    rating_count: int = 0
    rating_flagged: bool = False  # below STORE_RATING_FLAG_BELOW
    attention: list = field(default_factory=list)

    @property
    def rating_shown(self) -> str:
        return f"{self.rating_average:.1f}" if self.rating_average is not None else ""

    @property
    def months_with_sales(self) -> int:
        return sum(1 for m in self.months.values() if m["orders"])

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.actions_on_time / self.actions_due) if self.actions_due else None

    @property
    def permits_held(self) -> int:
        return len(self.permits)


def programme_period(today: date | None = None) -> Period:
    today = today or clock.today()
    return Period(reports.EARLIEST, today, "month")


def compute(store_ids, period: Period | None = None, today: date | None = None,
            departments: bool = True) -> list[StartupIndicators]:
    """Indicators of ``store_ids`` over ``period`` (default: from the start to today), in
    attention order: who needs the most attention first, then by name. ``departments=False``
    leaves out the departments served (a query over every department sale that the programme
    report does not show)."""
    today = today or clock.today()
    period = period or programme_period(today)
    store_ids = list(store_ids)
    if not store_ids:
        return []
    found = {sid: StartupIndicators(sid, name, slug, cohort or "") for sid, name, slug, cohort in db.session.execute(
        db.select(Store.id, Store.name, Store.slug, Cohort.name).outerjoin(Cohort, Cohort.id == Store.cohort_id)
        .where(Store.id.in_(store_ids)))}
    ids = list(found)

    # Permits: per kind, the first verification of a document of that kind, and whether one is valid today.
    held_now = case((db.or_(BusinessDocument.expires_on.is_(None), BusinessDocument.expires_on >= today), 1), else_=0)
    for sid, kind, first, held in db.session.execute(
            db.select(BusinessDocument.store_id, BusinessDocument.kind, func.min(BusinessDocument.reviewed_at),
                      func.max(held_now))
            .where(BusinessDocument.store_id.in_(ids), BusinessDocument.status == "valid")
            .group_by(BusinessDocument.store_id, BusinessDocument.kind)):
        if not held:
            continue
        group = next((g for g, kinds in PERMIT_GROUPS.items() if kind in kinds), None)
        if group is None:
            continue
        permits = found[sid].permits
        if group not in permits or (first and permits[group] and first < permits[group]):
            permits[group] = first

    for sid, count in db.session.execute(
            db.select(Product.store_id, func.count(Product.id))
            .where(Product.store_id.in_(ids), Product.visible_condition(today)).group_by(Product.store_id)):
        found[sid].live_products = count

    sale = Order.state.in_(reports.SALE_STATES)
    for sid, first, last in db.session.execute(
            db.select(Order.store_id, func.min(Order.created_at), func.max(Order.created_at))
            .where(Order.store_id.in_(ids), sale).group_by(Order.store_id)):
        found[sid].first_sale, found[sid].last_sale = first, last

    bucket = reports.local_bucket(Order.created_at, "month").label("bucket")
    department = case((Order.payment_method == "department", Order.total), else_=0)
    for sid, month, orders, total, dept in db.session.execute(
            db.select(Order.store_id, bucket, func.count(Order.id), func.coalesce(func.sum(Order.total), 0),
                      func.coalesce(func.sum(department), 0))
            .where(*reports._sales(period, ids)).group_by(Order.store_id, bucket)):
        item = found[sid]
        item.months[month] = {"orders": orders, "sales": int(total), "department": int(dept)}
        item.orders += orders
        item.sales += int(total)
        item.department_sales += int(dept)

    per_buyer = (db.select(Order.store_id.label("store_id"), Order.buyer_id)
                 .where(*reports._sales(period, ids)).group_by(Order.store_id, Order.buyer_id)
                 .having(func.count(Order.id) >= 2).subquery())
    for sid, count in db.session.execute(
            db.select(per_buyer.c.store_id, func.count()).group_by(per_buyer.c.store_id)):
        found[sid].repeat_buyers = count

    for sid, count in db.session.execute(
            db.select(Order.store_id, func.count(func.distinct(DepartmentPurchase.department_id)))
            .join(DepartmentPurchase, DepartmentPurchase.order_id == Order.id)
            .where(*reports._sales(period, ids)).group_by(Order.store_id)) if departments else ():
        found[sid].departments_served = count

    for sid, count in db.session.execute(
            db.select(TrainingRegistration.store_id, func.count(func.distinct(TrainingRegistration.training_id)))
            .where(TrainingRegistration.store_id.in_(ids), TrainingRegistration.attended_at >= period.utc_start,
                   TrainingRegistration.attended_at < period.utc_end)
            .group_by(TrainingRegistration.store_id)):
        found[sid].trainings = count

    due = SessionAction.due_on <= min(today, period.end)
    for sid, due_count, on_time, overdue in db.session.execute(
            db.select(SessionAction.store_id,
                      func.coalesce(func.sum(case((due, 1), else_=0)), 0),
                      func.coalesce(func.sum(case((db.and_(due, SessionAction.done_on <= SessionAction.due_on), 1),
                                                  else_=0)), 0),
                      func.coalesce(func.sum(case((db.and_(SessionAction.done_at.is_(None),
                                                           SessionAction.due_on < today), 1), else_=0)), 0))
            .where(SessionAction.store_id.in_(ids), SessionAction.due_on >= period.start)
            .group_by(SessionAction.store_id)):
        item = found[sid]
        item.actions_due, item.actions_on_time, item.actions_overdue = int(due_count), int(on_time), int(overdue)

    for sid, count, last in db.session.execute(
            db.select(MentoringSession.store_id, func.count(MentoringSession.id), func.max(MentoringSession.held_on))
            .where(MentoringSession.store_id.in_(ids), MentoringSession.held_on >= period.start,
                   MentoringSession.held_on <= period.end)
            .group_by(MentoringSession.store_id)):
        found[sid].sessions, found[sid].last_session = count, last

    for sid, month, employees, outside, confirmed in db.session.execute(
            db.select(SelfReport.store_id, SelfReport.month, SelfReport.employees, SelfReport.outside_sales,
                      SelfReport.confirmed_at)
            .where(SelfReport.store_id.in_(ids), SelfReport.month <= period.end)
            .order_by(SelfReport.store_id, SelfReport.month)):
        item = found[sid]
        if confirmed is None:
            item.reports_waiting += 1
            continue
        item.employees = employees
        if month >= period.start.replace(day=1):
            item.outside_sales += outside

    for case_id, sid, state in db.session.execute(
            db.select(GraduationCase.id, GraduationCase.store_id, GraduationCase.state)
            .where(GraduationCase.store_id.in_(ids)).order_by(GraduationCase.id)):
        found[sid].graduation, found[sid].graduation_case_id = state, case_id

    for sid, count in db.session.execute(
            db.select(GraduationCase.store_id, func.count(GraduationCheckin.id))
            .join(GraduationCheckin, GraduationCheckin.case_id == GraduationCase.id)
            .where(GraduationCase.store_id.in_(ids), GraduationCheckin.done_at.is_(None),
                   GraduationCheckin.due_on <= today).group_by(GraduationCase.store_id)):
        found[sid].checkins_due = count

    for sid, rating in store_ratings.summaries_of(ids).items():
        found[sid].rating_average, found[sid].rating_count, found[sid].rating_flagged = (
            rating.average, rating.count, rating.flagged)

    for item in found.values():
        item.attention = attention(item, today)
    return sorted(found.values(), key=lambda i: (-len(i.attention), -i.actions_overdue, i.name.lower()))


def attention(item: StartupIndicators, today: date) -> list[str]:
    """Why a mentor should look at this startup now (codes of labels.ATTENTION_LABELS)."""
    reasons = []
    if item.actions_overdue:
        reasons.append("overdue_actions")
    if item.checkins_due:
        reasons.append("checkin_due")
    if item.rating_flagged:
        reasons.append("low_rating")
    if item.graduation != "graduated":
        last_sale = item.last_sale.date() if item.last_sale else None
        if last_sale is None or last_sale < today - timedelta(days=NO_SALE_DAYS):
            reasons.append("no_recent_sale")
        if "nib" not in item.permits:
            reasons.append("no_nib")
        if item.last_session is None or item.last_session < today - timedelta(days=NO_SESSION_DAYS):
            reasons.append("no_recent_session")
    if item.reports_waiting:
        reasons.append("report_waiting")
    return reasons


def for_store(store_id: int, period: Period | None = None) -> StartupIndicators:
    return compute([store_id], period)[0]
