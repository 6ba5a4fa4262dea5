"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Environment:
  WEB_CONCURRENCY           worker processes (default 2 x CPU cores + 1)
  BIND                      full bind address, e.g. ``0.0.0.0:8000`` or ``unix:/run/pasar/web.sock``
  HOST / PORT               used when BIND is not set (default 127.0.0.1:8000: behind a reverse proxy)
  GUNICORN_TIMEOUT          seconds a request may take before its worker is restarted (default 30)
  PROMETHEUS_MULTIPROC_DIR  where the workers add up their metrics. Set it to a directory only this
                            service uses; it is emptied when the server starts. When unset and there
                            is more than one worker, a private temporary directory is made.

The access log is off: the app writes one JSON line per request (with its request id) to
stderr, see app/observability.py. gunicorn's own error log goes to stderr too.
"""
import multiprocessing
import os
import shutil
import tempfile

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
bind = [os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
worker_class = "sync"
# Each worker imports the app itself: no database connection or Redis client crosses a fork.
preload_app = False
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Restart workers now and then so a slow leak never grows (jitter: not all at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the local reverse proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "pasar-web"

# Prometheus: every worker writes its numbers to files here; /metrics adds them up.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR") and workers > 1:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pasar-metrics-")


def on_starting(server):
    """Start from an empty metrics directory: files of an earlier run would be added in."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            full = os.path.join(path, name)
            if os.path.isdir(full):
                shutil.rmtree(full, ignore_errors=True)
            else:
                os.remove(full)


def child_exit(server, worker):
    """A worker ended: drop its live gauges (counters and histograms stay in the totals)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
