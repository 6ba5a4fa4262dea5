from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import authz, clock
from app.authz import admin_required, roles_required
from app.converters import parse_id
from app.extensions import db
from app.incubator import bp
from app.incubator.forms import (AttendanceForm, CheckinForm, CohortForm, CohortMentorForm, CriteriaForm,
                                 DecisionForm, MoveStoreForm, NotesForm, RecommendForm, SelfReportForm,
                                 SessionForm, TrainingForm, WalkInForm)
from app.models import CRITERIA_KINDS, GraduationCheckin, SelfReport, Store
from app.services import DomainError, Invalid, exports, reports
from app.services.incubator import cohorts as cohort_service
from app.services.incubator import documents as programme_documents
from app.services.incubator import graduation as graduation_service
from app.services.incubator import indicators as indicator_service
from app.services.incubator import mentoring
from app.services.incubator import report as report_service
from app.services.incubator import training as training_service
from app.authz import store_ids_of
from app.errors.handlers import error_response
from app.web import act, or_404, render_form_page, require_valid


def _period(default=None):
    """(period, error): the period of ?from=&to= (never past today), or ``default``."""
    if not (request.args.get("from") or request.args.get("to") or request.args.get("preset")):
        return default, None
    try:
        return reports.parse_period(request.args), None
    except Invalid as error:
        return None, str(error.message)


def _pdf(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ cohorts


@bp.route("/cohorts", methods=["GET", "POST"])
@roles_required("mentor", "admin")
def cohorts():
    form = CohortForm()
    if request.method == "POST":
        if not current_user.has_role("admin"):
            abort(403)

        def create():
            require_valid(form)
            cohort_service.create_cohort(current_user, form.name.data or "", form.year.data, form.starts_on.data,
                                         form.ends_on.data)

        return act(create, _("Cohort %(name)s created.", name=form.name.data), url_for("incubator.cohorts"),
                   lambda status: _cohorts_page(form, status))
    return _cohorts_page(form)


def _cohorts_page(form, status=200):
    listed = cohort_service.cohorts_visible_to(current_user)
    counts = dict(db.session.execute(db.select(Store.cohort_id, db.func.count(Store.id)).where(
        Store.cohort_id.in_([c.id for c in listed])).group_by(Store.cohort_id)).tuples().all())
    return render_template("incubator/cohorts.html", cohorts=listed, counts=counts, form=form), status


def _visible_cohort(cohort_id):
    cohort = or_404(cohort_service.get_cohort, cohort_id)
    if not current_user.has_role("admin") and cohort.id not in authz.mentor_cohort_ids(current_user):
        abort(404)
    return cohort


@bp.route("/cohorts/<int:cohort_id>")
@roles_required("mentor", "admin")
def cohort(cohort_id):
    return _cohort_page(_visible_cohort(cohort_id))


def _cohort_page(cohort, status=200, mentor_form=None, move_form=None):
    mentor_form = mentor_form or CohortMentorForm()
    mentor_form.mentor_id.choices = [(mid, label) for mid, label in cohort_service.mentor_choices()
                                     if mid not in {m.mentor_id for m in cohort.mentors}]
    move_form = move_form or MoveStoreForm()
    move_form.store_id.choices = [(sid, label) for sid, label in cohort_service.store_choices()]
    members = cohort_service.members(cohort.id)
    items = indicator_service.compute([s.id for s in members])
    return render_template("incubator/cohort.html", cohort=cohort, items=items, mentor_form=mentor_form,
                           move_form=move_form, history=cohort_service.history([s.id for s in members], limit=50),
                           today=clock.today()), status


@bp.route("/cohorts/<int:cohort_id>/mentors", methods=["POST"])
@admin_required
def add_mentor(cohort_id):
    cohort = or_404(cohort_service.get_cohort, cohort_id)
    form = CohortMentorForm()
    form.mentor_id.choices = cohort_service.mentor_choices()

    def add():
        require_valid(form)
        cohort_service.add_mentor(current_user, cohort.id, form.mentor_id.data)

    return act(add, _("Mentor added to %(name)s.", name=cohort.name), url_for("incubator.cohort", cohort_id=cohort.id),
               lambda status: _cohort_page(cohort, status, mentor_form=form))


@bp.route("/cohorts/<int:cohort_id>/mentors/<int:mentor_id>/remove", methods=["POST"])
@admin_required
def remove_mentor(cohort_id, mentor_id):
    cohort = or_404(cohort_service.get_cohort, cohort_id)
    return act(lambda: cohort_service.remove_mentor(current_user, cohort.id, mentor_id),
               _("Mentor removed from %(name)s.", name=cohort.name), url_for("incubator.cohort", cohort_id=cohort.id),
               lambda status: _cohort_page(cohort, status))


@bp.route("/cohorts/<int:cohort_id>/stores", methods=["POST"])
@admin_required
def move_store(cohort_id):
    cohort = or_404(cohort_service.get_cohort, cohort_id)
    form = MoveStoreForm()
    form.store_id.choices = cohort_service.store_choices()

    def move():
        require_valid(form)
        cohort_service.move_store(current_user, form.store_id.data, cohort.id, form.note.data or "")

    return act(move, _("The store is now in %(name)s.", name=cohort.name),
               url_for("incubator.cohort", cohort_id=cohort.id),
               lambda status: _cohort_page(cohort, status, move_form=form))


@bp.route("/cohorts/<int:cohort_id>/stores/<int:store_id>/remove", methods=["POST"])
@admin_required
def remove_store(cohort_id, store_id):
    cohort = or_404(cohort_service.get_cohort, cohort_id)
    store = db.session.get(Store, store_id)
    if store is None or store.cohort_id != cohort.id:
        abort(404)
    return act(lambda: cohort_service.move_store(current_user, store.id, None, _("taken out of %(name)s",
                                                                                name=cohort.name)),
               _("%(store)s is no longer in a cohort.", store=store.name),
               url_for("incubator.cohort", cohort_id=cohort.id), lambda status: _cohort_page(cohort, status))


# ------------------------------------------------------------------ the mentor's desk


@bp.route("/mentor")
@roles_required("mentor", "admin")
def mentor_desk():
    period, error = _period()
    ids = cohort_service.startup_ids_for(current_user)
    items = indicator_service.compute(ids, period) if not error else []
    overdue = mentoring.overdue_actions(ids)
    return render_template("incubator/desk.html", items=items, overdue=overdue, period=period, error=error,
                           today=clock.today()), (422 if error else 200)


# ------------------------------------------------------------------ a startup's programme page


@bp.route("/my")
@roles_required("seller")
def my_programme():
    ids = store_ids_of(current_user)
    if not ids:
        abort(404)
    return redirect(url_for("incubator.startup", store_id=ids[0]))


@bp.route("/startups/<int:store_id>")
@login_required
def startup(store_id):
    store = or_404(cohort_service.get_startup, current_user, store_id)
    return _startup_page(store)


def _startup_page(store, status=200, report_form=None, recommend_form=None):
    period, error = _period()
    if error:
        status = 422
    item = indicator_service.compute([store.id], period)[0] if not error else None
    coach = authz.can_coach(current_user, store)
    member = authz.is_member(current_user, store)
    case = graduation_service.latest_case(store.id)
    report_form = report_form or SelfReportForm()
    if request.method == "GET":
        report_form.month.data = clock.today().replace(day=1)
    months = sorted(item.months.items()) if item else []
    return render_template(
        "incubator/startup.html", store=store, item=item, period=period, error=error, coach=coach, member=member,
        sessions=mentoring.sessions_of(store.id), checklist=graduation_service.checklist(item) if item else [],
        case=case, reports_list=graduation_service.self_reports(store.id), report_form=report_form,
        recommend_form=recommend_form or RecommendForm(), checkin_form=CheckinForm(), today=clock.today(),
        history=cohort_service.history([store.id]), months=months,
        chart_rows=[(m, v["sales"], v["department"], v["orders"]) for m, v in months],
        permit_labels=report_service.PERMIT_LABELS,
        certificates=[r for r in training_service.trainings_registrations_of(store.id) if r.attended_at]
        if member or coach else []), status


@bp.route("/startups/<int:store_id>/sessions/new", methods=["GET", "POST"])
@roles_required("mentor", "admin")
def new_session(store_id):
    store = db.session.get(Store, store_id)
    if store is None or not authz.can_coach(current_user, store):
        abort(404)
    form = SessionForm()
    if request.method == "GET":
        form.held_on.data = clock.today()

    def record():
        require_valid(form)
        actions = []
        for entry in form.actions.entries:
            sub = entry.form
            if not sub.title.data:
                continue
            if sub.due_on.data is None:
                raise Invalid(_("Give the due date of “%(title)s”.", title=sub.title.data))
            actions.append(mentoring.AgreedAction(sub.title.data, sub.due_on.data, sub.owner.data))
        mentoring.record_session(current_user, store.id, form.held_on.data, form.minutes.data, form.topics.data or [],
                                 form.notes.data or "", actions)

    if request.method == "POST":
        return act(record, _("Session with %(store)s recorded.", store=store.name),
                   url_for("incubator.startup", store_id=store.id),
                   lambda status: render_form_page("incubator/session_form.html", form=form, store=store,
                                                   status=status))
    return render_form_page("incubator/session_form.html", form=form, store=store)


@bp.route("/sessions/<int:visit_id>", methods=["GET", "POST"])
@login_required
def session(visit_id):
    visit = or_404(mentoring.get_session_for, current_user, visit_id)
    form = NotesForm(obj=visit) if request.method == "GET" else NotesForm()
    if request.method == "POST":
        def save():
            require_valid(form)
            mentoring.update_notes(current_user, visit.id, form.notes.data or "")

        return act(save, _("Notes saved."), url_for("incubator.session", visit_id=visit.id),
                   lambda status: _session_page(visit, form, status))
    return _session_page(visit, form)


def _session_page(visit, form, status=200):
    return render_template("incubator/session.html", visit=visit, form=form, today=clock.today(),
                           coach=authz.can_coach(current_user, visit.store),
                           member=authz.is_member(current_user, visit.store)), status


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@login_required
def action_done(action_id):
    action = or_404(lambda: _action_for(action_id))
    return act(lambda: mentoring.tick_action(current_user, action.id), _("Action marked done."),
               url_for("incubator.startup", store_id=action.store_id),
               lambda status: _startup_page(action.session.store, status))


def _action_for(action_id):
    from app.models import SessionAction
    from app.services import NotFound

    action = db.session.get(SessionAction, action_id)
    if action is None or not authz.can_follow_programme(current_user, action.session.store):
        raise NotFound(_("Action not found."))
    return action


@bp.route("/startups/<int:store_id>/self-report", methods=["POST"])
@roles_required("seller")
def self_report(store_id):
    store = db.session.get(Store, store_id)
    if store is None or not authz.is_member(current_user, store):
        abort(404)
    form = SelfReportForm()

    def submit():
        require_valid(form)
        graduation_service.submit_self_report(current_user, store.id, form.month.data, form.employees.data or 0,
                                              form.outside_sales.data or 0)

    return act(submit, _("Monthly report sent to your mentor."), url_for("incubator.startup", store_id=store.id),
               lambda status: _startup_page(store, status, report_form=form))


@bp.route("/self-reports/<int:report_id>/confirm", methods=["POST"])
@roles_required("mentor", "admin")
def confirm_report(report_id):
    report = db.session.get(SelfReport, report_id)
    if report is None:
        abort(404)
    return act(lambda: graduation_service.confirm_self_report(current_user, report.id), _("Report confirmed."),
               url_for("incubator.startup", store_id=report.store_id),
               lambda status: _startup_page(db.session.get(Store, report.store_id), status))


# ------------------------------------------------------------------ graduation


@bp.route("/startups/<int:store_id>/recommend", methods=["POST"])
@roles_required("mentor", "admin")
def recommend(store_id):
    store = db.session.get(Store, store_id)
    if store is None or not authz.can_coach(current_user, store):
        abort(404)
    form = RecommendForm()

    def send():
        require_valid(form)
        graduation_service.recommend(current_user, store.id, form.note.data or "")

    return act(send, _("%(store)s is recommended for graduation; an admin decides.", store=store.name),
               url_for("incubator.startup", store_id=store.id),
               lambda status: _startup_page(store, status, recommend_form=form))


@bp.route("/checkins/<int:checkin_id>", methods=["POST"])
@roles_required("mentor", "admin")
def checkin(checkin_id):
    item = db.session.get(GraduationCheckin, checkin_id)
    if item is None:
        abort(404)
    form = CheckinForm()
    store_id = item.case.store_id

    def record():
        require_valid(form)
        graduation_service.record_checkin(current_user, item.id, bool(form.still_selling.data), form.employees.data,
                                          form.note.data or "")

    return act(record, _("Check-in recorded."), url_for("incubator.startup", store_id=store_id),
               lambda status: _startup_page(db.session.get(Store, store_id), status))


@bp.route("/graduation")
@admin_required
def graduation():
    return _graduation_page()


def _graduation_page(status=200, form=None):
    return render_template("incubator/graduation.html", cases=graduation_service.queue(),
                           form=form or DecisionForm()), status


@bp.route("/graduation/<int:case_id>/decide", methods=["POST"])
@admin_required
def decide(case_id):
    form = DecisionForm()

    def record():
        require_valid(form)
        graduation_service.decide(current_user, case_id, form.decision.data or "", form.reason.data or "")

    return act(record, _("Decision recorded."), url_for("incubator.graduation"),
               lambda status: _graduation_page(status, form))


@bp.route("/graduation/criteria", methods=["GET", "POST"])
@admin_required
def criteria():
    form = CriteriaForm()
    if request.method == "GET":
        for c in graduation_service.criteria():
            getattr(form, f"{c.kind}_threshold").data = c.threshold
            getattr(form, f"{c.kind}_active").data = c.active

    def save():
        require_valid(form)
        graduation_service.save_criteria(current_user, {
            k: (getattr(form, f"{k}_threshold").data, bool(getattr(form, f"{k}_active").data))
            for k in CRITERIA_KINDS})

    if request.method == "POST":
        return act(save, _("Graduation criteria saved."), url_for("incubator.criteria"),
                   lambda status: render_form_page("incubator/criteria.html", form=form, kinds=CRITERIA_KINDS,
                                                   status=status))
    return render_form_page("incubator/criteria.html", form=form, kinds=CRITERIA_KINDS)


@bp.route("/graduation/<int:case_id>/letter.pdf")
@login_required
def letter(case_id):
    case = or_404(graduation_service.letter_for, current_user, case_id)
    return _pdf(programme_documents.letter_pdf(case), f"surat-lulus-{case.store.slug}.pdf")


# ------------------------------------------------------------------ training


@bp.route("/trainings", methods=["GET", "POST"])
@roles_required("seller", "mentor", "admin")
def trainings():
    form = TrainingForm()
    form.cohort_ids.choices = [(c.id, c.name) for c in cohort_service.all_cohorts()]
    if request.method == "POST":
        if not current_user.has_role("admin"):
            abort(403)

        def create():
            require_valid(form)
            training_service.create_training(
                current_user, form.title.data or "", form.topic.data or "", form.day.data, form.at.data,
                form.minutes.data, form.place.data or "", form.online_url.data or "", form.capacity.data,
                form.cohort_ids.data or [])

        return act(create, _("Training published."), url_for("incubator.trainings"),
                   lambda status: _trainings_page(form, status))
    return _trainings_page(form)


def _trainings_page(form, status=200):
    return render_template("incubator/trainings.html", events=training_service.trainings_for(current_user),
                           form=form, now=clock.now()), status


@bp.route("/trainings/<int:training_id>")
@login_required
def training(training_id):
    event = or_404(training_service.get_training_for, current_user, training_id)
    return _training_page(event)


def _training_page(event, status=200, walk_in=None):
    attendance = AttendanceForm()
    attendance.registration_id.choices = [(r.id, r.user.full_name) for r in event.registrations]
    mine = next((r for r in event.registrations if r.user_id == current_user.id), None)
    return render_template("incubator/training.html", event=event, mine=mine, attendance=attendance,
                           walk_in=walk_in or WalkInForm(), now=clock.now(),
                           attended=sum(1 for r in event.registrations if r.attended_at)), status


@bp.route("/trainings/<int:training_id>/register", methods=["POST"])
@login_required
def register(training_id):
    event = or_404(training_service.get_training_for, current_user, training_id)
    return act(lambda: training_service.register(current_user, event.id), _("You are registered."),
               url_for("incubator.training", training_id=event.id), lambda status: _training_page(event, status))


@bp.route("/trainings/<int:training_id>/attendance", methods=["POST"])
@admin_required
def attendance(training_id):
    event = or_404(training_service.get_training_for, current_user, training_id)
    walk_in = WalkInForm()
    form = AttendanceForm()
    form.registration_id.choices = [(r.id, r.user.full_name) for r in event.registrations]

    def record():
        if walk_in.email.data:
            require_valid(walk_in)
            training_service.record_attendance(current_user, event.id, email=walk_in.email.data)
        else:
            require_valid(form)
            training_service.record_attendance(current_user, event.id, registration_id=form.registration_id.data)

    return act(record, _("Attendance recorded; the certificate is ready."),
               url_for("incubator.training", training_id=event.id),
               lambda status: _training_page(training_service.get_training_for(current_user, event.id), status,
                                             walk_in))


@bp.route("/certificates/<int:registration_id>.pdf")
@login_required
def certificate(registration_id):
    try:
        registration = training_service.certificate_for(current_user, registration_id)
    except DomainError as error:
        return error_response(404, str(error.message))
    return _pdf(programme_documents.certificate_pdf(registration),
                f"sertifikat-{(registration.certificate_number or '').replace('/', '-').lower()}.pdf")


# ------------------------------------------------------------------ the programme report


def _report():
    """(report, error) for ?from=&to=&cohort=…; the default: this year, every cohort."""
    period, error = _period(reports.preset_period("this_year"))
    if error:
        return None, error
    chosen = sorted(_chosen_cohorts())
    ids = chosen or [c.id for c in cohort_service.all_cohorts()]
    return report_service.build(period, ids), None


def _chosen_cohorts() -> set[int]:
    """?cohort=1&cohort=2 (the checkboxes) or ?cohort=1,2 (the period form keeps them so)."""
    values = [part for raw in request.args.getlist("cohort") for part in raw.split(",")]
    return {i for i in (parse_id(v) for v in values) if i}


@bp.route("/report")
@admin_required
def report():
    built, error = _report()
    chosen = _chosen_cohorts()
    period = built.period if built else None
    return render_template(
        "incubator/report.html", report=built, error=error, period=period, tables=built.tables if built else [],
        cohorts=cohort_service.all_cohorts(), chosen=chosen, presets=reports.PRESETS, groupings=reports.GROUPINGS,
        form_args=request.args, export_endpoint="incubator.report_export",
        link_args={**(period.args() if period else {}), "cohort": sorted(chosen)}), (422 if error else 200)


@bp.route("/report.<fmt>")
@admin_required
def report_download(fmt):
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    built, error = _report()
    if error:
        return error, 422, {"Content-Type": "text/plain; charset=utf-8"}
    name = exports.filename("laporan-program", built.period.start.isoformat(), built.period.end.isoformat(),
                            ext=fmt)
    if fmt == "pdf":
        return _pdf(report_service.pdf_bytes(built), name)
    response = Response(report_service.xlsx_bytes(built), mimetype=exports.XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/report/export/<key>.<fmt>")
@admin_required
def report_export(key, fmt):
    built, error = _report()
    if error:
        return error, 422, {"Content-Type": "text/plain; charset=utf-8"}
    table = next((t for t in built.tables if t.key == key), None)
    if table is None or fmt not in exports.FORMATS:
        abort(404)
    return exports.stream_table(fmt, table, "program", built.period.start.isoformat(), built.period.end.isoformat())
