"""Background jobs: in-process by default, on RQ when REDIS_URL is set; periodic jobs."""
import uuid
from datetime import timedelta

import pytest
from flask import current_app, g

from app import clock, jobs
from app.extensions import db
from app.jobs.models import PeriodicJobRun
from app.models import Department
from tests.helpers import redis_or_skip

CALLS = []


def record(value, tag=None):
    """A job: notes that it ran, with what, and whether it had an app context of its own."""
    CALLS.append({"value": value, "tag": tag, "in_job": g.get("pkb_in_job", False),
                  "departments": db.session.scalar(db.select(db.func.count(Department.id)))})


def explode():
    raise RuntimeError("job failed on purpose")


@pytest.fixture(autouse=True)
def _clean_calls():
    CALLS.clear()
    before = dict(jobs._PERIODIC)
    jobs._PERIODIC.clear()  # only the periodic jobs a test registers (features register theirs)
    yield
    CALLS.clear()
    jobs._PERIODIC.clear()
    jobs._PERIODIC.update(before)


# --------------------------------------------------------------------- the API


def test_job_path_accepts_functions_and_paths_and_refuses_lambdas():
    assert jobs.job_path(record) == "tests.test_jobs:record"
    assert jobs.job_path("tests.test_jobs.record") == "tests.test_jobs:record"
    assert jobs.job_path("tests.test_jobs:record") == "tests.test_jobs:record"
    with pytest.raises(ValueError):
        jobs.job_path(lambda: None)
    with pytest.raises(AttributeError):
        jobs.job_path("tests.test_jobs:no_such_function")
    with pytest.raises(ValueError):
        jobs.enqueue_on("nowhere", record, 1)


def test_outside_a_request_a_job_runs_at_once_in_its_own_context(app_ctx):
    jobs.enqueue(record, 1, tag="x")
    assert CALLS == [{"value": 1, "tag": "x", "in_job": True, "departments": 0}]


def test_a_job_waits_for_the_commit_of_pending_writes(app_ctx):
    db.session.add(Department(name="Dinas Pendidikan", code="DISDIK"))
    jobs.enqueue(record, "after-commit")
    assert CALLS == []
    db.session.commit()
    # It ran after the commit and so sees the department.
    assert [(c["value"], c["departments"]) for c in CALLS] == [("after-commit", 1)]


def test_a_job_of_a_rolled_back_transaction_never_runs(app_ctx):
    db.session.add(Department(name="Dinas Kesehatan", code="DINKES"))
    db.session.flush()
    jobs.enqueue(record, "doomed")
    db.session.rollback()
    db.session.commit()
    assert CALLS == []
    assert db.session.scalar(db.select(db.func.count(Department.id))) == 0


def test_a_failing_job_is_logged_and_does_not_fail_its_caller(app_ctx, caplog):
    jobs.enqueue(explode)
    jobs.enqueue(record, "next")
    assert [c["value"] for c in CALLS] == ["next"]
    assert "job tests.test_jobs:explode failed: RuntimeError" in caplog.text


def _add_job_routes(app):
    def ok():
        db.session.add(Department(name="Dinas Sosial", code="DINSOS"))
        jobs.enqueue(record, "ok")
        db.session.commit()
        return "done"

    def refused():
        db.session.add(Department(name="Dinas Perhubungan", code="DISHUB"))
        db.session.flush()
        jobs.enqueue(record, "refused")
        return "nope", 422  # the service raised before its commit

    def crashed():
        jobs.enqueue(record, "crashed")
        raise RuntimeError("boom")

    app.add_url_rule("/_test/jobs/ok", "test_jobs_ok", ok, methods=["POST"])
    app.add_url_rule("/_test/jobs/refused", "test_jobs_refused", refused, methods=["POST"])
    app.add_url_rule("/_test/jobs/crashed", "test_jobs_crashed", crashed, methods=["POST"])


def test_in_a_request_jobs_run_after_the_commit_and_only_on_success(app, client):
    _add_job_routes(app)
    assert client.post("/_test/jobs/ok").status_code == 200
    assert [(c["value"], c["departments"], c["in_job"]) for c in CALLS] == [("ok", 1, True)]

    CALLS.clear()
    assert client.post("/_test/jobs/refused").status_code == 422
    assert CALLS == []
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/_test/jobs/crashed").status_code == 500
    assert CALLS == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Department.id))) == 1


# --------------------------------------------------------------------- periodic, in-process


def periodic_tick():
    CALLS.append({"value": "tick", "tag": None, "in_job": g.get("pkb_in_job", False),
                  "departments": None})


def test_periodic_job_runs_when_due_and_records_its_outcome(app, runner):
    jobs.periodic("test-tick", timedelta(minutes=5), periodic_tick)
    jobs.periodic("test-explode", timedelta(minutes=5), explode)

    assert runner.invoke(args=["jobs", "run-due"]).exit_code == 0
    assert len([c for c in CALLS if c["value"] == "tick"]) == 1
    assert runner.invoke(args=["jobs", "run-due"]).exit_code == 0  # not due again yet
    assert len([c for c in CALLS if c["value"] == "tick"]) == 1

    clock.travel(minutes=6)
    out = runner.invoke(args=["jobs", "run-due"]).output
    assert "test-tick" in out
    assert len([c for c in CALLS if c["value"] == "tick"]) == 2

    with app.app_context():
        tick = db.session.get(PeriodicJobRun, "test-tick")
        failed = db.session.get(PeriodicJobRun, "test-explode")
        assert (tick.last_status, tick.last_error) == ("ok", "")
        assert (failed.last_status, failed.last_error) == ("failed", "RuntimeError")
    listing = runner.invoke(args=["jobs", "list"]).output
    assert "test-tick" in listing and "every 0:05:00" in listing


def test_two_schedulers_claim_a_due_job_only_once(app_ctx):
    job = jobs.periodic("test-tick", timedelta(minutes=1), periodic_tick)
    now = clock.now()
    assert jobs._claim(job, now) is True
    assert jobs._claim(job, now) is False
    assert jobs._claim(job, now + timedelta(seconds=30)) is False
    assert jobs._claim(job, now + timedelta(seconds=61)) is True


def test_scheduler_once_without_redis_runs_due_jobs(app, runner):
    jobs.periodic("test-tick", timedelta(minutes=1), periodic_tick)
    result = runner.invoke(args=["jobs", "scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "in-process" in result.output
    assert [c["value"] for c in CALLS] == ["tick"]


def test_worker_refuses_to_start_without_redis(runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


# --------------------------------------------------------------------- Redis / RQ

@pytest.fixture
def redis_app(tmp_path, pg_schema):
    """An app on Redis with queues of its own, removed afterwards."""
    from tests.conftest import empty_tables, make_app

    conn = redis_or_skip()
    prefix = f"pkbtest-{uuid.uuid4().hex[:10]}"
    app = make_app(tmp_path, pg_schema, REDIS_URL="redis://127.0.0.1:6379/0", JOBS_QUEUE_PREFIX=prefix)
    yield app
    from rq import Queue
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    for name in jobs.QUEUES:
        queue = Queue(f"{prefix}-{name}", connection=conn)
        for registry in (FinishedJobRegistry(queue=queue), FailedJobRegistry(queue=queue)):
            for job_id in registry.get_job_ids():
                conn.delete(f"rq:job:{job_id}")
        queue.delete(delete_jobs=True)
    for key in conn.scan_iter(f"*{prefix}*"):
        conn.delete(key)
    if pg_schema is not None:
        empty_tables(app)
    else:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_with_redis_a_job_goes_to_the_queue_and_a_worker_runs_it(redis_app):
    from rq import Queue

    from app.jobs.runner import set_app

    with redis_app.app_context():
        jobs.enqueue(record, 7, tag="rq")
        queue = Queue(jobs.queue_name("default"), connection=jobs.redis_connection())
        assert queue.count == 1
    assert CALLS == []  # not run in this process

    set_app(redis_app)
    result = redis_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst", "--simple"])
    assert result.exit_code == 0, result.output
    assert [(c["value"], c["tag"], c["in_job"]) for c in CALLS] == [(7, "rq", True)]
    with redis_app.app_context():
        assert Queue(jobs.queue_name("default"), connection=jobs.redis_connection()).count == 0


def test_with_redis_a_request_pushes_its_jobs_only_after_commit(redis_app):
    from rq import Queue

    _add_job_routes(redis_app)
    client = redis_app.test_client()
    client.post("/_test/jobs/ok")
    client.post("/_test/jobs/refused")
    with redis_app.app_context():
        queue = Queue(jobs.queue_name("default"), connection=jobs.redis_connection())
        assert [j.args[0] for j in queue.get_jobs()] == ["tests.test_jobs:record"]
        assert queue.get_jobs()[0].args[1] == ("ok",)


def test_with_redis_the_scheduler_queues_due_jobs_and_holds_the_lock(redis_app):
    from rq import Queue

    jobs.periodic("test-tick", timedelta(minutes=1), periodic_tick)
    with redis_app.app_context():
        assert jobs.hold_scheduler_lock("other-scheduler", ttl_seconds=30)
    runner = redis_app.test_cli_runner()
    # Another scheduler holds the lock: this one does nothing.
    assert runner.invoke(args=["jobs", "scheduler", "--once"]).exit_code == 0
    with redis_app.app_context():
        assert Queue(jobs.queue_name("default"), connection=jobs.redis_connection()).count == 0
        jobs.release_scheduler_lock("other-scheduler")
    assert runner.invoke(args=["jobs", "scheduler", "--once"]).exit_code == 0
    with redis_app.app_context():
        assert Queue(jobs.queue_name("default"), connection=jobs.redis_connection()).count == 1
        assert db.session.get(PeriodicJobRun, "test-tick").last_status == "queued"
        # The lock was let go when the scheduler stopped.
        assert jobs.redis_connection().get(jobs.scheduler_lock_key()) is None
    assert CALLS == []

    from app.jobs.runner import set_app

    set_app(redis_app)
    assert runner.invoke(args=["jobs", "worker", "--burst", "--simple"]).exit_code == 0
    assert [c["value"] for c in CALLS] == ["tick"]
    with redis_app.app_context():
        assert db.session.get(PeriodicJobRun, "test-tick").last_status == "ok"


def test_forking_worker_runs_jobs_in_a_child_with_its_own_connections(redis_app, tmp_path):
    """The real `flask jobs worker`: each job in a forked work horse, on the app's database."""
    from app.jobs.runner import set_app

    with redis_app.app_context():
        jobs.enqueue("tests.test_jobs:add_department", "Dinas Pariwisata", "DISPAR")
    set_app(redis_app)
    result = redis_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    with redis_app.app_context():
        names = db.session.execute(db.select(Department.name)).scalars().all()
    assert names == ["Dinas Pariwisata"]


def add_department(name, code):
    db.session.add(Department(name=name, code=code))
    db.session.commit()
    assert current_app.config["JOBS_QUEUE_PREFIX"].startswith("pkbtest-")


def external_link():
    from flask import url_for
    from flask_login import current_user

    CALLS.append({"value": url_for("main.home", _external=True), "tag": current_user.is_authenticated,
                  "in_job": g.get("pkb_in_job", False), "departments": None})


def test_a_job_builds_links_on_base_url_as_nobody(tmp_path, pg_schema):
    from tests.conftest import make_app

    app = make_app(tmp_path, pg_schema, BASE_URL="https://pasar.pontianak.go.id")
    with app.app_context():
        jobs.enqueue(external_link)
    assert [(c["value"], c["tag"]) for c in CALLS] == [("https://pasar.pontianak.go.id/", False)]


def test_when_redis_is_down_jobs_run_here_instead_of_being_lost(tmp_path, pg_schema, caplog):
    from tests.conftest import make_app

    app = make_app(tmp_path, pg_schema, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    with app.app_context():
        jobs.enqueue(record, "fallback")
    assert [c["value"] for c in CALLS] == ["fallback"]
    assert "running it in this process" in caplog.text

    jobs.periodic("test-tick", timedelta(minutes=1), periodic_tick)
    result = app.test_cli_runner().invoke(args=["jobs", "scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "scheduler lock unavailable" in caplog.text
    assert [c["value"] for c in CALLS] == ["fallback"]  # no lock, no run: another scheduler may hold it
