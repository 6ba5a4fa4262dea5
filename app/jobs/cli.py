"""``flask jobs worker | scheduler | run-due | list`` (documented in ``app/jobs/__init__.py``)."""
import signal

import click
from flask import current_app

from app.extensions import db


def register_commands(app):
    @app.cli.group("jobs")
    def jobs_group():
        """Background jobs: worker, scheduler, periodic jobs."""

    @jobs_group.command("worker")
    @click.option("--queue", "queues", multiple=True, help="Serve only these queues (mail, default).")
    @click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
    @click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked child.")
    def worker_command(queues, burst, simple):
        """An RQ worker on the app's queues (needs REDIS_URL)."""
        from rq import Queue, SimpleWorker, Worker

        from app.jobs import QUEUES, queue_name, redis_connection
        from app.jobs.runner import set_app

        conn = redis_connection()
        if conn is None:
            raise click.ClickException(
                "REDIS_URL is not set: jobs run in-process, there is nothing for a worker to do. "
                "Use `flask jobs run-due` from cron for the periodic jobs.")
        for name in queues:
            if name not in QUEUES:
                raise click.BadParameter(f"unknown queue {name!r}; known: {', '.join(QUEUES)}")
        set_app(current_app._get_current_object())  # type: ignore[attr-defined]  # the app behind the proxy
        db.session.remove()
        db.engine.dispose()  # forked work horses open their own connections
        worker_class = SimpleWorker if simple else Worker
        names = [queue_name(q) for q in (queues or QUEUES)]
        worker = worker_class([Queue(n, connection=conn) for n in names], connection=conn)
        click.echo(f"worker on {', '.join(names)}")
        worker.work(burst=burst, logging_level="INFO", with_scheduler=False)

    @jobs_group.command("scheduler")
    @click.option("--interval", default=30, show_default=True, type=click.IntRange(1, 3600),
                  help="Seconds between two looks at the periodic jobs.")
    @click.option("--once", is_flag=True, help="One look, then exit.")
    def scheduler_command(interval, once):
        """Start the due periodic jobs every interval; one scheduler acts at a time."""
        from app.jobs import scheduler_loop

        stop = {"now": False}

        def _stop(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        mode = "queueing on Redis" if current_app.config.get("REDIS_URL") else "running in-process"
        click.echo(f"scheduler every {interval}s, {mode}")
        scheduler_loop(interval=interval, once=once, should_stop=lambda: stop["now"])

    @jobs_group.command("run-due")
    def run_due_command():
        """Start the periodic jobs that are due, once (for cron)."""
        from app.jobs import run_due

        names = run_due()
        click.echo(f"{len(names)} periodic job(s) started" + (f": {', '.join(names)}" if names else ""))

    @jobs_group.command("list")
    def list_command():
        """The periodic jobs, their interval and last run."""
        from app.jobs import periodic_jobs
        from app.jobs.models import PeriodicJobRun

        for job in periodic_jobs():
            row = db.session.get(PeriodicJobRun, job.name)
            last = f"{row.last_run_at:%Y-%m-%d %H:%M:%S}Z {row.last_status}" if row and row.last_run_at else "never"
            click.echo(f"{job.name:<24} every {job.every}  {job.path}  last: {last}")
