"""Background jobs: on RQ (Redis) when ``REDIS_URL`` is set, in-process when it is not.

API
---
``enqueue(func, *args, **kwargs)``
    Run ``func(*args, **kwargs)`` in the background, on the ``default`` queue.
``enqueue_on(queue, func, *args, **kwargs)``
    The same on a named queue: ``"mail"`` or ``"default"``.
``periodic(name, every, func, queue="default")``
    Run ``func()`` every ``every`` (a ``timedelta``); call it at import time of a feature.

``func`` is a module-level function or its path (``"app.services.mail:deliver_message"``).
Pass ids, not ORM objects: a job loads what it needs in its own app context (its own
database session) and commits itself. Jobs must be safe to run twice: a worker that dies
mid-job, or the retry sweep, may start one again.

When a job starts
-----------------
Never before the transaction that asked for it has committed. While ``db.session`` holds
uncommitted writes, the job waits for the commit and is dropped if the transaction is
rolled back. In a request, jobs are dispatched when the view has returned, and only when
the response status is below 500. Outside a request (a command, another job) they are
dispatched as soon as nothing is left uncommitted.

Dispatched means: pushed to the RQ queue ``<JOBS_QUEUE_PREFIX>-<queue>`` when ``REDIS_URL``
is set; otherwise run at once in this process, in a fresh app context, its errors logged
and never raised into the caller.

Commands
--------
``flask jobs worker [--burst] [--simple] [--queue NAME]...``
    An RQ worker on the app's queues (needs ``REDIS_URL``). The app is created once per
    worker process; every job runs in its own app context. ``--simple`` runs jobs in the
    worker process instead of a forked child.
``flask jobs scheduler [--interval SECONDS] [--once]``
    A loop that starts the due periodic jobs every interval (default 30 s). Run one per
    machine if you like: a Redis lock lets only one of them act at a time, and each run
    is also claimed in the database. With Redis the jobs go to the queue (a worker runs
    them); without it they run inside the scheduler.
``flask jobs run-due``
    Start the due periodic jobs once and exit; the cron form for a setup without Redis:
    ``* * * * * cd /srv/pasar && .venv/bin/flask jobs run-due``
``flask jobs list``
    The periodic jobs, their interval and their last run.

Settings (read in app/config.py): ``REDIS_URL``, ``JOBS_QUEUE_PREFIX`` (default ``pkb``; lets
several apps share one Redis), ``JOBS_TIMEOUT`` (seconds one job may take, default 600).
"""
import importlib
import logging
import os
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.extensions import db
from app.orm import rows_matched

log = logging.getLogger("pkb.jobs")

#: Logical queue names; a worker serves them in this order.
QUEUES = ("mail", "default")


@dataclass(frozen=True)
class Job:
    path: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    queue: str = "default"


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    path: str
    queue: str = "default"


_PERIODIC: dict[str, Periodic] = {}


# --------------------------------------------------------------------------- paths

def job_path(func):
    """``"package.module:function"`` for a callable or a path; checks that it resolves."""
    if isinstance(func, str):
        path = func if ":" in func else ":".join(func.rsplit(".", 1))
    else:
        qualname = getattr(func, "__qualname__", "")
        if not qualname or "<" in qualname:
            raise ValueError(f"a job must be a module-level function, not {func!r}")
        path = f"{func.__module__}:{qualname}"
    resolve(path)
    return path


def resolve(path):
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ValueError(f"bad job path {path!r}")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"job {path!r} is not callable")
    return obj


# --------------------------------------------------------------------------- enqueue

def enqueue(func, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` in the background on the default queue (see module doc)."""
    return enqueue_on("default", func, *args, **kwargs)


def enqueue_on(queue, func, *args, **kwargs):
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; known: {QUEUES}")
    if not has_app_context():
        raise RuntimeError("enqueue() needs an app context")
    job = Job(job_path(func), tuple(args), dict(kwargs), queue)
    session = db.session()
    if _has_uncommitted_writes(session):
        session.info.setdefault("pkb_jobs", []).append(job)
    else:
        _ready(job)
    return job


def _has_uncommitted_writes(session):
    return bool(session.new or session.dirty or session.deleted or session.info.get("pkb_writes"))


def _ready(job):
    """The job's transaction is settled: hold it for the end of the request, or dispatch."""
    if has_request_context() and not g.get("pkb_in_job"):
        g.setdefault("pkb_ready_jobs", []).append(job)
    else:
        dispatch(job)


def dispatch(job):
    if current_app.config.get("REDIS_URL"):
        try:
            _push(job)
            return
        except Exception as exc:  # noqa: BLE001 - Redis down: do the work here rather than lose it
            log.warning("could not queue job %s (%s); running it in this process", job.path,
                        type(exc).__name__)
    _run_inline(job)


def _push(job):
    from rq import Queue

    queue = Queue(queue_name(job.queue), connection=redis_connection())
    return queue.enqueue(
        "app.jobs.runner.execute", job.path, job.args, job.kwargs,
        job_timeout=current_app.config["JOBS_TIMEOUT"],
        result_ttl=3600, failure_ttl=7 * 24 * 3600,
        description=job.path,
    )


def _run_inline(job):
    from app.jobs.runner import job_context, run_job

    with job_context(current_app._get_current_object()):  # type: ignore[attr-defined]  # the app behind the proxy
        with suppress(Exception):  # logged by run_job; a background job never fails its caller
            run_job(job.path, job.args, job.kwargs)


def _dispatch_all(jobs):
    for job in jobs:
        try:
            dispatch(job)
        except Exception:  # noqa: BLE001 - the request itself succeeded
            log.exception("could not dispatch job %s", job.path)


def queue_name(queue):
    return f"{current_app.config['JOBS_QUEUE_PREFIX']}-{queue}"


def redis_connection(app=None):
    """The app's Redis client (one per process), or None without ``REDIS_URL``."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = app.extensions.get("pkb_redis")
    if conn is None or app.extensions.get("pkb_redis_pid") != os.getpid():
        import redis

        conn = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        app.extensions["pkb_redis"] = conn
        app.extensions["pkb_redis_pid"] = os.getpid()
    return conn


# ------------------------------------------------ transaction tracking (all sessions)

@event.listens_for(Session, "after_flush")
def _note_writes(session, flush_context):
    session.info["pkb_writes"] = True


@event.listens_for(Session, "after_commit")
def _release_jobs(session):
    if session.get_nested_transaction() is not None:
        return  # a savepoint; the real commit comes later
    session.info.pop("pkb_writes", None)
    jobs = session.info.pop("pkb_jobs", None)
    for job in jobs or ():
        try:
            _ready(job)
        except Exception:  # noqa: BLE001 - the commit has happened; never undo it from here
            log.exception("could not dispatch job %s", job.path)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted_jobs(session, transaction):
    if transaction.parent is not None:
        return
    session.info.pop("pkb_writes", None)
    jobs = session.info.pop("pkb_jobs", None)  # what the commit did not release was rolled back
    if jobs:
        log.info("dropped %d job(s) of a rolled-back transaction", len(jobs))


# --------------------------------------------------------------------------- periodic

def periodic(name, every, func, queue="default"):
    """Register ``func`` to run every ``every`` (timedelta) under ``name``. Idempotent."""
    if not isinstance(every, timedelta) or every <= timedelta(0):
        raise ValueError("every must be a positive timedelta")
    _PERIODIC[name] = Periodic(name, every, job_path(func), queue)
    return _PERIODIC[name]


def periodic_jobs():
    return [_PERIODIC[name] for name in sorted(_PERIODIC)]


def _claim(job, now):
    """Mark ``job`` as started at ``now`` if it is due; True when this process won the claim."""
    from app.jobs.models import PeriodicJobRun

    # A little slack so a scheduler ticking every 30 s does not miss a 1-minute job by jitter.
    slack = min(timedelta(seconds=5), job.every / 10)
    result = db.session.execute(
        update(PeriodicJobRun)
        .where(PeriodicJobRun.name == job.name,
               or_(PeriodicJobRun.last_run_at.is_(None), PeriodicJobRun.last_run_at <= now - job.every + slack))
        .values(last_run_at=now, last_status="queued", last_error="")
    )
    if rows_matched(result) == 1:
        db.session.commit()
        return True
    db.session.rollback()
    if db.session.get(PeriodicJobRun, job.name) is not None:
        return False  # exists and not due
    try:
        db.session.add(PeriodicJobRun(name=job.name, last_run_at=now, last_status="queued"))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()  # another scheduler created it first
        return False


def run_due(now=None):
    """Start every periodic job that is due; returns their names.

    With Redis they are queued (a worker runs them); without it they run here, one after
    the other.
    """
    now = now or clock.now()
    started = []
    for job in periodic_jobs():
        if not _claim(job, now):
            continue
        started.append(job.name)
        dispatch(Job("app.jobs.runner:run_periodic", (job.name, job.path), {}, job.queue))
    return started


# --------------------------------------------------------------------------- scheduler

_LOCK_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_UNLOCK_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def scheduler_lock_key():
    return f"{current_app.config['JOBS_QUEUE_PREFIX']}:scheduler-lock"


def hold_scheduler_lock(token, ttl_seconds):
    """Take or extend the scheduler lock; True while this scheduler is the one that acts."""
    conn = redis_connection()
    if conn is None:
        return True  # no Redis: the database claim alone keeps runs single
    return bool(conn.eval(_LOCK_SCRIPT, 1, scheduler_lock_key(), token, int(ttl_seconds * 1000)))


def release_scheduler_lock(token):
    conn = redis_connection()
    if conn is not None:
        try:
            conn.eval(_UNLOCK_SCRIPT, 1, scheduler_lock_key(), token)
        except Exception as exc:  # noqa: BLE001 - the lock expires by itself
            log.warning("could not release the scheduler lock: %s", type(exc).__name__)


def scheduler_loop(interval=30, once=False, should_stop=lambda: False):
    """Every ``interval`` seconds, if this scheduler holds the lock, start the due jobs."""
    import uuid

    token = uuid.uuid4().hex
    try:
        while True:
            try:
                leader = hold_scheduler_lock(token, ttl_seconds=interval * 3)
            except Exception as exc:  # noqa: BLE001 - Redis away for a moment: try again next tick
                log.warning("scheduler lock unavailable: %s", type(exc).__name__)
                leader = False
            if leader:
                try:
                    names = run_due()
                    if names:
                        log.info("started periodic jobs: %s", ", ".join(names))
                except Exception:  # noqa: BLE001 - a bad tick must not stop the scheduler
                    db.session.rollback()
                    log.exception("scheduler tick failed")
                finally:
                    db.session.remove()
            if once:
                return
            deadline = time.monotonic() + interval
            while time.monotonic() < deadline and not should_stop():
                time.sleep(min(1.0, interval))
            if should_stop():
                return
    finally:
        release_scheduler_lock(token)


# --------------------------------------------------------------------------- wiring

def register(app):
    """The end-of-request dispatch, the admin page, the ``flask jobs`` commands and
    ``flask backup`` / ``flask restore`` (app/backup.py)."""
    log.disabled = False  # alembic's fileConfig may have disabled it in this process
    from app.jobs import models  # noqa: F401 - the periodic_job_runs table

    @app.after_request
    def dispatch_request_jobs(response):
        jobs = g.pop("pkb_ready_jobs", None)
        if jobs and response.status_code < 500:
            _dispatch_all(jobs)
        return response

    @app.teardown_request
    def dispatch_leftover_jobs(error):
        # A request context that produced no response (test_request_context, a script)
        # still dispatches what it committed, unless it ended in an exception.
        jobs = g.pop("pkb_ready_jobs", None)
        if jobs and error is None:
            _dispatch_all(jobs)

    from app.jobs.routes import bp

    app.register_blueprint(bp, url_prefix="/admin/jobs")

    from app.jobs.cli import register_commands

    register_commands(app)

    from app.backup import register_commands as register_backup_commands

    register_backup_commands(app)  # flask backup / restore: operations, like the job commands
