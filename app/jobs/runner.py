"""What a worker runs: every job in its own app context, the app created once per process.

RQ calls ``execute(path, args, kwargs)``; the in-process mode calls ``run_job`` directly.
"""
import logging
import os
import time
from contextlib import contextmanager

log = logging.getLogger("pkb.jobs")

_app = None
_app_pid = None


def set_app(app):
    """Use ``app`` for the jobs of this process (the worker command passes its own)."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


def get_app():
    """The worker's app; created once per process when nobody set one."""
    if _app is None:
        from app import create_app

        set_app(create_app())
    return _app


@contextmanager
def job_context(app):
    """A fresh app context (its own ``g`` and database session) with a stand-in request at
    ``BASE_URL``, so ``url_for(..., _external=True)``, templates and ``current_user`` (anonymous)
    work in a job as they do in a view."""
    from flask import g

    # The app context first: a request context would otherwise reuse the caller's (and its session).
    with app.app_context(), app.test_request_context(
            "/", base_url=app.config.get("BASE_URL") or "http://localhost"):
        g.pkb_in_job = True
        yield


def execute(path, args=(), kwargs=None):
    """RQ entry point."""
    app = get_app()
    with job_context(app):
        from app.extensions import db

        if os.getpid() != _app_pid:
            # A forked work horse: never reuse the parent's pooled connections.
            db.engine.dispose(close=False)
        return run_job(path, args, kwargs or {})


def run_job(path, args, kwargs):
    """Call the job inside the current app context; log its outcome (never its arguments)."""
    from app.extensions import db
    from app.jobs import resolve

    started = time.perf_counter()
    try:
        result = resolve(path)(*args, **kwargs)
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed: %s", path, type(exc).__name__)
        raise
    log.info("job %s done in %d ms", path, (time.perf_counter() - started) * 1000)
    return result


def run_periodic(name, path):
    """Run a periodic job and record how it went on its ``periodic_job_runs`` row."""
    from app.extensions import db
    from app.jobs.models import PeriodicJobRun

    started = time.perf_counter()
    status, error = "ok", ""
    try:
        run_job(path, (), {})
    except Exception as exc:
        status, error = "failed", type(exc).__name__
        raise
    finally:
        row = db.session.get(PeriodicJobRun, name)
        if row is not None:
            row.last_status = status
            row.last_error = error
            row.last_duration_ms = int((time.perf_counter() - started) * 1000)
            db.session.commit()
