"""The numbers behind the dashboards: admin, mentor, seller and department.

Rules kept here:
- every figure is aggregated in SQL (GROUP BY, window functions); Python only pivots
  the few grouped rows into table shape;
- periods are local dates (Asia/Pontianak, WIB) from ``start`` to ``end`` inclusive;
  their bounds are converted to UTC for the WHERE clause, and grouping by day, week or
  month happens on the local time (``local_bucket`` emits strftime on SQLite and
  date_trunc/to_char on PostgreSQL);
- a *sale* is an order in one of ``SALE_STATES`` (placed up to completed), dated by
  when it was placed (``Order.created_at``); orders waiting for payment or approval and
  cancelled/declined/expired/refused orders are not sales;
- a store counts as an incubator startup while it is in a cohort (``stores.cohort_id``, which
  admins set: app.services.incubator.cohorts);
- review turnaround is, per decision (``ListingReview`` approved/changes requested/
  rejected), ``created_at − submitted_at``; median and 90th percentile use the
  nearest-rank method (the value at rank ⌈p·n⌉), computed with window functions;
- scope is decided by the caller (``app.dashboards``): each function takes the store or
  department ids it may show.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import case, func

from app.models.product import low_stock_threshold
from app import clock
from app.clock import LOCAL_TZ
from app.extensions import db
from app.i18n import local_date
from app.models import (
    BusinessDocument,
    Department,
    DepartmentPurchase,
    ListingReview,
    Order,
    OrderItem,
    Product,
    ProductReview,
    Store,
    User,
)
from app.services import Invalid

# Indexes the admin dashboard needs to answer over 100,000 orders in under 1 s (covering
# indexes: the period's orders and their items are read from the index alone). Not yet
# on the models: the lead adds them with a migration; bench/dashboard creates them.
RECOMMENDED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_orders_created_sales ON orders "
    "(created_at, state, payment_method, store_id, total, buyer_id, checkout_attempt_id)",
    "CREATE INDEX IF NOT EXISTS ix_order_items_order_sales ON order_items (order_id, product_id, quantity, line_total)",
)

SALE_STATES = ("placed", "accepted", "ready", "delivered", "invoiced", "completed")
DECISIONS = ("approved", "changes_requested", "rejected")
PAYMENT_METHODS = ("cod", "card", "department")
EARLIEST = date(2020, 1, 1)
EXPIRY_WINDOW_DAYS = 30
TOP = 10
PRESETS = {
    "this_month": _l("This month"),
    "last_30": _l("Last 30 days"),
    "this_year": _l("This year"),
}
GROUPINGS = {"week": _l("By week"), "month": _l("By month")}


# ------------------------------------------------------------------ periods


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    by: str = "week"
    preset: str = ""

    @property
    def utc_start(self) -> datetime:
        return local_midnight_utc(self.start)

    @property
    def utc_end(self) -> datetime:
        """Exclusive upper bound: midnight WIB after ``end``."""
        return local_midnight_utc(self.end + timedelta(days=1))

    def args(self) -> dict:
        """Query arguments that reproduce this period (for links and exports)."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "by": self.by}


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(timezone.utc)


def preset_period(name: str, today: date | None = None, by: str | None = None) -> Period:
    today = today or clock.today()
    if name == "this_month":
        start = today.replace(day=1)
    elif name == "this_year":
        start = today.replace(month=1, day=1)
    else:
        name, start = "last_30", today - timedelta(days=29)
    return Period(start, today, by or ("month" if name == "this_year" else "week"), name)


def _parse_day(raw, label):
    try:
        return date.fromisoformat(raw.strip())
    except (ValueError, AttributeError):
        raise Invalid(_("%(field)s is not a date (use YYYY-MM-DD).", field=label)) from None


def parse_period(args, default="last_30") -> Period:
    """The period asked for in ``args`` (from, to, preset, by). Raises Invalid (422) with
    a message saying what is wrong: not a date, end before start, or out of range."""
    today = clock.today()
    by = args.get("by") or None
    if by is not None and by not in GROUPINGS:
        raise Invalid(_("Group by week or by month."))
    preset = args.get("preset") or ""
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if preset or not (raw_from or raw_to):
        if preset and preset not in PRESETS:
            raise Invalid(_("Unknown period."))
        return preset_period(preset or default, today, by)
    start = _parse_day(raw_from, _("Start date")) if raw_from else EARLIEST
    end = _parse_day(raw_to, _("End date")) if raw_to else today
    if end < start:
        raise Invalid(_("The start date (%(start)s) is after the end date (%(end)s). Choose a start date on or "
                        "before the end date.", start=local_date(start), end=local_date(end)))
    if start < EARLIEST or end > today:
        raise Invalid(_("Choose dates between %(first)s and today (%(today)s).",
                        first=local_date(EARLIEST), today=local_date(today)))
    if by is None:
        by = "week" if (end - start).days <= 92 else "month"
    return Period(start, end, by)


# ------------------------------------------------------------------ SQL helpers


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def local_bucket(column, unit: str):
    """SQL text 'YYYY-MM-DD' of the local (WIB) day, week (Monday) or month (1st) of
    the UTC timestamp ``column``."""
    if unit not in ("day", "week", "month"):
        raise ValueError(unit)
    if dialect_name() == "sqlite":
        offset = LOCAL_TZ.utcoffset(datetime(2000, 1, 1)) or timedelta(0)  # a ZoneInfo always answers
        hours = int(offset.total_seconds() // 3600)  # WIB has no DST
        shift = f"{hours:+d} hours"
        if unit == "month":
            return func.strftime("%Y-%m-01", column, shift)
        if unit == "week":
            return func.date(column, shift, "weekday 0", "-6 days")
        return func.date(column, shift)
    local = func.timezone(LOCAL_TZ.key, column)
    return func.to_char(func.date_trunc(unit, local), "YYYY-MM-DD")


def seconds_between(later, earlier):
    """SQL number of seconds from ``earlier`` to ``later`` (UTC timestamps)."""
    if dialect_name() == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def _in_period(query, column, period):
    return query.where(column >= period.utc_start, column < period.utc_end)


def _sales(period, store_ids=None):
    """Conditions for the sales of ``period`` (optionally of some stores only)."""
    conditions = [Order.state.in_(SALE_STATES), Order.created_at >= period.utc_start,
                  Order.created_at < period.utc_end]
    if store_ids is not None:
        conditions.append(Order.store_id.in_(store_ids))
    return conditions


def buckets(period) -> list[str]:
    """Every bucket label of the period, so empty weeks/months still show as 0."""
    labels, day = [], period.start
    if period.by == "month":
        day = day.replace(day=1)
        while day <= period.end:
            labels.append(day.isoformat())
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        day = day - timedelta(days=day.weekday())
        while day <= period.end:
            labels.append(day.isoformat())
            day += timedelta(days=7)
    return labels


# ------------------------------------------------------------------ tables


@dataclass
class Column:
    label: object
    kind: str = "text"  # text, int, money, percent, hours, date
    series: bool = False  # drawn in the chart


@dataclass
class Table:
    key: str
    title: object
    columns: list
    rows: list
    chart: str = ""  # bar, stacked, line, doughnut, hbar; "" = table only
    note: object = ""
    empty: object = field(default_factory=lambda: _l("Nothing in this period."))

    def as_dict(self):
        return {"key": self.key, "title": str(self.title), "columns": [str(c.label) for c in self.columns],
                "kinds": [c.kind for c in self.columns], "rows": [list(r) for r in self.rows]}


def _bucket_label(period):
    return _l("Month") if period.by == "month" else _l("Week of")


def _bucket_kind(period):
    return "month" if period.by == "month" else "date"


def _state_label(state):
    from app.labels import ORDER_STATE_LABELS

    return str(ORDER_STATE_LABELS.get(state, state))


def _method_label(code):
    from app.services import payments

    return str(payments.label_for(code))


# -- admin


def sales_over_time(period, store_ids=None, split_methods=True) -> Table:
    bucket = local_bucket(Order.created_at, period.by).label("bucket")
    query = (db.select(bucket, Order.payment_method, func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
             .where(*_sales(period, store_ids)).group_by(bucket, Order.payment_method))
    grouped: dict[str, dict[str, int]] = {}
    for label, method, count, amount in db.session.execute(query):
        row = grouped.setdefault(label, {"count": 0, "total": 0})
        row[method] = row.get(method, 0) + int(amount)
        row["count"] += count
        row["total"] += int(amount)
    labels = sorted(set(buckets(period)) | set(grouped))
    if split_methods:
        methods = [m for m in PAYMENT_METHODS] + sorted({m for r in grouped.values() for m in r}
                                                        - set(PAYMENT_METHODS) - {"count", "total"})
        columns = ([Column(_bucket_label(period), _bucket_kind(period))]
                   + [Column(_method_label(m), "money", series=True) for m in methods]
                   + [Column(_l("Total"), "money"), Column(_l("Orders"), "int")])
        rows = [(lbl, *[grouped.get(lbl, {}).get(m, 0) for m in methods],
                 grouped.get(lbl, {}).get("total", 0), grouped.get(lbl, {}).get("count", 0)) for lbl in labels]
        return Table("sales", _l("Sales over time by payment method"), columns, rows, chart="stacked",
                     note=_l("Sales: orders placed in the period that were not cancelled, declined, refused or "
                             "expired and are not waiting for payment or approval; by the date they were placed "
                             "(WIB)."))
    columns = [Column(_bucket_label(period), _bucket_kind(period)), Column(_l("Sales"), "money", series=True),
               Column(_l("Orders"), "int")]
    rows = [(lbl, grouped.get(lbl, {}).get("total", 0), grouped.get(lbl, {}).get("count", 0)) for lbl in labels]
    return Table("sales", _l("Sales and orders over time"), columns, rows, chart="line")


def orders_by_state(period, store_ids=None, department_ids=None) -> Table:
    query = db.select(Order.state, func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
    query = _in_period(query, Order.created_at, period)
    if store_ids is not None:
        query = query.where(Order.store_id.in_(store_ids))
    if department_ids is not None:
        query = query.join(DepartmentPurchase, DepartmentPurchase.order_id == Order.id).where(
            DepartmentPurchase.department_id.in_(department_ids))
    counts = {state: (count, int(amount)) for state, count, amount in db.session.execute(query.group_by(Order.state))}
    from app.models.order import ORDER_STATES

    rows = [(_state_label(s), counts[s][0], counts[s][1]) for s in ORDER_STATES if s in counts]
    return Table("states", _l("Orders by state"),
                 [Column(_l("State")), Column(_l("Orders"), "int", series=True), Column(_l("Value"), "money")],
                 rows, chart="doughnut", note=_l("Every order placed in the period, by its state now."))


def department_spend(period, department_ids=None) -> Table:
    query = (db.select(Department.name, func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
             .select_from(DepartmentPurchase)
             .join(Order, Order.id == DepartmentPurchase.order_id)
             .join(Department, Department.id == DepartmentPurchase.department_id)
             .where(*_sales(period)).group_by(Department.id, Department.name).order_by(Department.name))
    if department_ids is not None:
        query = query.where(DepartmentPurchase.department_id.in_(department_ids))
    rows = [(name, count, int(amount)) for name, count, amount in db.session.execute(query)]
    return Table("departments", _l("Spend per department"),
                 [Column(_l("Department")), Column(_l("Orders"), "int"), Column(_l("Spend"), "money", series=True)],
                 rows, chart="hbar",
                 note=_l("Department purchases approved by the department (not refused, expired or cancelled)."))


def incubator_share(period) -> Table:
    incubator = case((Store.cohort_id.is_not(None), Order.total), else_=0)
    is_department = Order.payment_method == "department"
    query = (db.select(
        func.coalesce(func.sum(case((is_department, incubator), else_=0)), 0),
        func.coalesce(func.sum(case((is_department, Order.total), else_=0)), 0),
        func.coalesce(func.sum(incubator), 0),
        func.coalesce(func.sum(Order.total), 0),
    ).select_from(Order).join(Store, Store.id == Order.store_id).where(*_sales(period)))
    dept_incubator, dept_total, all_incubator, all_total = (int(v) for v in db.session.execute(query).one())

    def share(part, whole):
        return round(100.0 * part / whole, 1) if whole else 0.0

    rows = [
        (_("Incubator startups"), dept_incubator, share(dept_incubator, dept_total), all_incubator,
         share(all_incubator, all_total)),
        (_("Other stores"), dept_total - dept_incubator, share(dept_total - dept_incubator, dept_total),
         all_total - all_incubator, share(all_total - all_incubator, all_total)),
    ]
    return Table("incubator", _l("Share of spend going to incubator startups"),
                 [Column(_l("Stores")), Column(_l("Department spend"), "money", series=True),
                  Column(_l("Share of department spend"), "percent"), Column(_l("All sales"), "money"),
                  Column(_l("Share of all sales"), "percent")], rows, chart="doughnut",
                 note=_l("Every store is counted as an incubator startup (tenant) while it is in a cohort."))


def _memo(name, *key):
    """Per-request cache: tables that share one grouped query run it once."""
    from flask import has_request_context, request

    if not has_request_context():
        return None, lambda value: value
    cache = request.environ.setdefault("pkb.reports_memo", {})  # per request, never shared
    full = (name, *key)

    def store(value):
        cache[full] = value
        return value

    return cache.get(full), store


def _product_sales(period, store_ids=None):
    """(top products [(name, store, quantity, amount)], number of distinct products sold)."""
    cached, store = _memo("products", period, tuple(store_ids or ()) if store_ids is not None else None)
    if cached is not None:
        return cached
    quantity = func.sum(OrderItem.quantity).label("quantity")
    amount = func.sum(OrderItem.line_total).label("amount")
    grouped = (db.select(OrderItem.product_id.label("product_id"), quantity, amount,
                         func.count().over().label("products"))
               .select_from(OrderItem).join(Order, Order.id == OrderItem.order_id)
               .where(*_sales(period, store_ids)).group_by(OrderItem.product_id)
               .order_by(amount.desc(), quantity.desc(), OrderItem.product_id).limit(TOP).subquery())
    query = (db.select(Product.name, Store.name, grouped.c.quantity, grouped.c.amount, grouped.c.products)
             .select_from(grouped).outerjoin(Product, Product.id == grouped.c.product_id)
             .outerjoin(Store, Store.id == Product.store_id)
             .order_by(grouped.c.amount.desc(), grouped.c.quantity.desc(), grouped.c.product_id))
    rows, distinct = [], 0
    for name, store_name, q, a, products in db.session.execute(query):
        rows.append((name or _("(removed product)"), store_name or "", int(q), int(a)))
        distinct = int(products)
    return store((rows, distinct))


def top_products(period, store_ids=None, key="products", title=None) -> Table:
    rows, _distinct = _product_sales(period, store_ids)
    return Table(key, title or _l("Top products"),
                 [Column(_l("Product")), Column(_l("Store")), Column(_l("Quantity"), "int"),
                  Column(_l("Sales"), "money", series=True)], rows, chart="hbar",
                 note=_l("The %(n)s products with the most sales in the period.", n=TOP))


def _store_sales(period):
    """(top stores [(name, orders, amount)], number of stores with sales)."""
    cached, store = _memo("stores", period)
    if cached is not None:
        return cached
    amount = func.sum(Order.total).label("amount")
    grouped = (db.select(Order.store_id.label("store_id"), func.count(Order.id).label("orders"), amount,
                         func.count().over().label("stores"))
               .where(*_sales(period)).group_by(Order.store_id)
               .order_by(amount.desc(), Order.store_id).limit(TOP).subquery())
    query = (db.select(Store.name, grouped.c.orders, grouped.c.amount, grouped.c.stores).select_from(grouped)
             .join(Store, Store.id == grouped.c.store_id).order_by(grouped.c.amount.desc(), Store.name))
    rows, distinct = [], 0
    for name, orders, a, stores in db.session.execute(query):
        rows.append((name, int(orders), int(a)))
        distinct = int(stores)
    return store((rows, distinct))


def top_stores(period) -> Table:
    rows, _distinct = _store_sales(period)
    return Table("stores", _l("Top stores"),
                 [Column(_l("Store")), Column(_l("Orders"), "int"), Column(_l("Sales"), "money", series=True)],
                 rows, chart="hbar", note=_l("The %(n)s stores with the most sales in the period.", n=TOP))


def activity(period) -> Table:
    today = clock.today()
    verified = db.session.execute(db.select(func.count(Store.id)).where(Store.status == "verified")).scalar_one()
    listed = db.session.execute(
        db.select(func.count(Product.id)).where(Product.visible_condition(today))).scalar_one()
    selling = _store_sales(period)[1]
    sold = _product_sales(period)[1]
    rows = [
        (_("Verified stores (today)"), int(verified)),
        (_("Stores with sales in the period"), int(selling)),
        (_("Products buyers can see (today)"), int(listed)),
        (_("Products sold in the period"), int(sold)),
    ]
    # "Number" here is a count (Jumlah), not an identifier (Nomor): its own context.
    return Table("activity", _l("Active stores and products"),
                 [Column(_l("Measure")), Column(lazy_pgettext("count", "Number"), "int")], rows)


def review_turnaround(period, mentor_id=None) -> Table:
    """Per mentor: decisions, median and 90th percentile hours from submission to decision."""
    seconds = seconds_between(ListingReview.created_at, ListingReview.submitted_at)
    base = (db.select(
        ListingReview.actor_id.label("actor_id"),
        seconds.label("seconds"),
        func.row_number().over(partition_by=ListingReview.actor_id, order_by=seconds).label("rn"),
        func.count(ListingReview.id).over(partition_by=ListingReview.actor_id).label("n"),
    ).where(ListingReview.action.in_(DECISIONS), ListingReview.submitted_at.is_not(None),
            ListingReview.actor_id.is_not(None),
            ListingReview.created_at >= period.utc_start, ListingReview.created_at < period.utc_end))
    if mentor_id is not None:
        base = base.where(ListingReview.actor_id == mentor_id)
    ranked = base.subquery()
    # Nearest rank: ceil(p·n) in integer arithmetic, the same on SQLite and PostgreSQL.
    median_rank = (ranked.c.n + 1) // 2
    p90_rank = (ranked.c.n * 9 + 9) // 10
    query = (db.select(
        User.full_name, func.max(ranked.c.n),
        func.max(case((ranked.c.rn == median_rank, ranked.c.seconds))),
        func.max(case((ranked.c.rn == p90_rank, ranked.c.seconds))),
    ).select_from(ranked).join(User, User.id == ranked.c.actor_id)
        .group_by(User.id, User.full_name).order_by(User.full_name))
    rows = [(name, int(n), _hours(median), _hours(p90)) for name, n, median, p90 in db.session.execute(query)]
    return Table("turnaround", _l("Listing review turnaround"),
                 [Column(_l("Mentor")), Column(_l("Decisions"), "int"),
                  Column(_l("Median (hours)"), "hours", series=True),
                  Column(_l("90th percentile (hours)"), "hours", series=True)], rows, chart="bar",
                 note=_l("From a listing's submission to the mentor's decision (approve, ask for changes, reject), "
                         "for decisions made in the period; nearest-rank percentiles."))


def _hours(seconds):
    return round(float(seconds or 0) / 3600.0, 1)


def repeat_buyers(period) -> Table:
    purchases = func.count(func.distinct(func.coalesce(Order.checkout_attempt_id, -Order.id)))
    per_buyer = (db.select(Order.buyer_id, purchases.label("purchases")).where(*_sales(period))
                 .group_by(Order.buyer_id).subquery())
    buyers, repeat = db.session.execute(db.select(
        func.count(), func.coalesce(func.sum(case((per_buyer.c.purchases >= 2, 1), else_=0)), 0)
    ).select_from(per_buyer)).one()
    buyers, repeat = int(buyers), int(repeat)
    rate = round(100.0 * repeat / buyers, 1) if buyers else 0.0
    rows = [(_("Buyers with a purchase in the period"), buyers), (_("Buying more than once"), repeat),
            (_("Repeat-buyer rate (%)"), rate)]
    return Table("repeat", _l("Repeat buyers"), [Column(_l("Measure")), Column(_l("Value"), "number")], rows,
                 note=_l("Buyers with at least one sale in the period; a repeat buyer checked out two or more "
                         "times (one checkout may hold orders from several stores)."))


ADMIN_TABLES = {
    "sales": lambda p: sales_over_time(p),
    "states": lambda p: orders_by_state(p),
    "departments": lambda p: department_spend(p),
    "incubator": lambda p: incubator_share(p),
    "products": lambda p: top_products(p),
    "stores": lambda p: top_stores(p),
    "activity": lambda p: activity(p),
    "turnaround": lambda p: review_turnaround(p),
    "repeat": lambda p: repeat_buyers(p),
}


def admin_tables(period, only=None):
    keys = [only] if only else list(ADMIN_TABLES)
    return [ADMIN_TABLES[k](period) for k in keys]


# -- mentor


def cohort_stores(mentor) -> list:
    return list(db.session.execute(
        db.select(Store.id, Store.name).where(Store.mentor_id == mentor.id).order_by(Store.name)).all())


def products_by_state(store_ids) -> Table:
    from app.models.product import LISTING_STATES

    counts: dict[str, dict[str, int]] = {}
    query = (db.select(Store.name, Product.status, func.count(Product.id)).select_from(Store)
             .join(Product, Product.store_id == Store.id).where(Store.id.in_(store_ids))
             .group_by(Store.id, Store.name, Product.status))
    for name, status, count in db.session.execute(query):
        counts.setdefault(name, {})[status] = count
    names = sorted(set(db.session.execute(db.select(Store.name).where(Store.id.in_(store_ids))).scalars()))
    columns = [Column(_l("Store"))] + [Column(_listing_label(s), "int", series=True) for s in LISTING_STATES]
    rows = [(n, *[counts.get(n, {}).get(s, 0) for s in LISTING_STATES]) for n in names]
    return Table("products", _l("Products by state"), columns, rows, chart="stacked")


def _listing_label(state):
    labels = {"draft": _l("Draft"), "submitted": _l("Waiting for review"),
              "changes_requested": _l("Changes requested"), "approved": _l("Approved"), "rejected": _l("Rejected")}
    return labels.get(state, state)


def expiring_documents(store_ids) -> Table:
    today = clock.today()
    query = (db.select(Store.name, BusinessDocument.kind, BusinessDocument.number, BusinessDocument.expires_on)
             .join(Store, Store.id == BusinessDocument.store_id)
             .where(BusinessDocument.store_id.in_(store_ids), BusinessDocument.status == "valid",
                    BusinessDocument.expires_on >= today,
                    BusinessDocument.expires_on <= today + timedelta(days=EXPIRY_WINDOW_DAYS))
             .order_by(BusinessDocument.expires_on, Store.name))
    rows = [(store, kind.upper().replace("_", " "), number, expires.isoformat())
            for store, kind, number, expires in db.session.execute(query)]
    return Table("documents", _l("Documents expiring in the next 30 days"),
                 [Column(_l("Store")), Column(_l("Document")), Column(_l("Number")), Column(_l("Expires on"), "date")],
                 rows, empty=_l("No document expires in the next 30 days."))


def store_sales(period, store_ids) -> Table:
    amount = func.coalesce(func.sum(Order.total), 0)
    query = (db.select(Store.name, func.count(Order.id), amount).select_from(Store)
             .outerjoin(Order, db.and_(Order.store_id == Store.id, *_sales(period)))
             .where(Store.id.in_(store_ids)).group_by(Store.id, Store.name).order_by(Store.name))
    rows = [(name, count, int(a)) for name, count, a in db.session.execute(query)]
    return Table("store_sales", _l("Sales per store"),
                 [Column(_l("Store")), Column(_l("Orders"), "int"), Column(_l("Sales"), "money", series=True)],
                 rows, chart="hbar")


def mentor_tables(mentor, period, only=None):
    store_ids = [row.id for row in cohort_stores(mentor)]
    makers = {
        "products": lambda: products_by_state(store_ids),
        "documents": lambda: expiring_documents(store_ids),
        "store_sales": lambda: store_sales(period, store_ids),
        "turnaround": lambda: review_turnaround(period, mentor_id=mentor.id),
    }
    keys = [only] if only else list(makers)
    return [makers[k]() for k in keys]


MENTOR_KEYS = ("products", "documents", "store_sales", "turnaround")


# -- seller


def low_stock(store_id) -> Table:
    query = (db.select(Product.name, Product.stock).where(
        Product.store_id == store_id, Product.status == "approved", Product.stock <= low_stock_threshold())
        .order_by(Product.stock, Product.name))
    rows = [(name, stock) for name, stock in db.session.execute(query)]
    return Table("low_stock", _l("Low stock"), [Column(_l("Product")), Column(_l("In stock"), "int")], rows,
                 note=_l("Approved products with %(n)s or fewer in stock.", n=low_stock_threshold()),
                 empty=_l("No approved product is low on stock."))


def ratings(store_id) -> Table:
    average = func.avg(ProductReview.rating)
    query = (db.select(Product.name, func.count(ProductReview.id), average).select_from(ProductReview)
             .join(Product, Product.id == ProductReview.product_id).where(Product.store_id == store_id)
             .group_by(Product.id, Product.name).order_by(average.desc(), Product.name))
    rows = [(name, count, round(float(avg), 2)) for name, count, avg in db.session.execute(query)]
    return Table("ratings", _l("Ratings"),
                 [Column(_l("Product")), Column(_l("Reviews"), "int"), Column(_l("Average rating"), "rating",
                                                                                 series=True)],
                 rows, chart="hbar", note=_l("All ratings buyers gave, not only those of the period."),
                 empty=_l("No ratings yet."))


def balance_table(store_id) -> Table:
    from app.services import ledger

    return Table("balance", _l("Balance"), [Column(_l("Account")), Column(_l("Amount"), "money")],
                 [(_("Balance owed to the store (card payments)"), ledger.balance(store_id))],
                 note=_l("Card payments received less fees, refunds and payouts, from the settlement ledger."))


SELLER_KEYS = ("sales", "best_sellers", "low_stock", "ratings", "balance")


def seller_tables(store_id, period, only=None):
    makers = {
        "sales": lambda: sales_over_time(period, [store_id], split_methods=False),
        "best_sellers": lambda: top_products(period, [store_id], key="best_sellers", title=_l("Best sellers")),
        "low_stock": lambda: low_stock(store_id),
        "ratings": lambda: ratings(store_id),
        "balance": lambda: balance_table(store_id),
    }
    keys = [only] if only else list(makers)
    return [makers[k]() for k in keys]


# -- department


def spend_by_line(period, department_id) -> Table:
    month = local_bucket(Order.created_at, "month").label("month")
    query = (db.select(month, DepartmentPurchase.kode_rekening, func.count(Order.id),
                       func.coalesce(func.sum(Order.total), 0))
             .select_from(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
             .where(DepartmentPurchase.department_id == department_id, *_sales(period))
             .group_by(month, DepartmentPurchase.kode_rekening))
    grouped: dict[str, dict[str, int]] = {}
    for label, line, _count, amount in db.session.execute(query):
        grouped.setdefault(label, {})[line] = int(amount)
    lines = sorted({line for per_month in grouped.values() for line in per_month})
    months = sorted(set(buckets(Period(period.start, period.end, "month"))) | set(grouped))
    columns = ([Column(_l("Month"), "month")] + [Column(line, "money", series=True) for line in lines]
               + [Column(_l("Total"), "money")])
    rows = [(m, *[grouped.get(m, {}).get(line, 0) for line in lines], sum(grouped.get(m, {}).values()))
            for m in months]
    return Table("budget", _l("Spend by budget line (kode rekening) and month"), columns, rows, chart="stacked",
                 note=_l("Approved department orders placed in the period (not refused, expired or cancelled)."))


DEPARTMENT_KEYS = ("budget", "states")


def department_tables(department_id, period, only=None):
    makers = {
        "budget": lambda: spend_by_line(period, department_id),
        "states": lambda: orders_by_state(period, department_ids=[department_id]),
    }
    keys = [only] if only else list(makers)
    return [makers[k]() for k in keys]


# -- every order of the period (admin export; streamed row by row)


ORDER_EXPORT_KINDS = ("text", "datetime", "text", "text", "text", "text", "text", "text", "money")


def order_export_header():
    return [_("Order"), _("Placed (WIB)"), _("Store"), _("Incubator startup"), _("Payment method"), _("State"),
            _("Department"), _("Budget line"), _("Total")]


def order_export_rows(period):
    """Every order placed in the period, oldest first, fetched in batches (a generator);
    the time placed is a WIB datetime (kinds: ``ORDER_EXPORT_KINDS``)."""
    query = (db.select(Order.number, Order.created_at, Store.name, Store.cohort_id, Order.payment_method, Order.state,
                       Department.name, DepartmentPurchase.kode_rekening, Order.total)
             .select_from(Order).join(Store, Store.id == Order.store_id)
             .outerjoin(DepartmentPurchase, DepartmentPurchase.order_id == Order.id)
             .outerjoin(Department, Department.id == DepartmentPurchase.department_id)
             .where(Order.created_at >= period.utc_start, Order.created_at < period.utc_end)
             .order_by(Order.created_at, Order.id).execution_options(yield_per=2000))
    yes, no = _("yes"), _("no")
    for number, created, store, cohort, method, state, department, line, total in db.session.execute(query):
        placed = created.replace(tzinfo=created.tzinfo or timezone.utc).astimezone(LOCAL_TZ)
        yield (number, placed.replace(second=0, microsecond=0), store, yes if cohort is not None else no,
               _method_label(method), _state_label(state), department or "", line or "", int(total))
