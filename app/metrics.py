"""Prometheus metrics. Business code records events with two small functions:

``metrics.order_placed(n=1)``
    after a checkout commits, with the number of orders it created (one per store);
``metrics.payment(method, outcome)``
    when a payment settles or fails: ``method`` in card | cod | department, ``outcome`` in
    paid | failed | refunded (keep both to a short fixed list: each value is a time series).

Both are cheap and never raise, so they can sit next to the commit in a service.
Request count and latency are recorded by ``app.observability`` for every request.
The numbers are exposed at ``/metrics`` (see ``app.observability``).

Several gunicorn workers: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory, the same for
every worker and cleared before the server starts; each process writes its numbers there and
``/metrics`` adds them up (gunicorn.conf.py removes a dead worker's gauges).
"""
import logging

from prometheus_client import Counter, Histogram

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "pkb_http_requests_total", "HTTP requests answered.", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "pkb_http_request_duration_seconds", "Time to answer an HTTP request.", ["endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0))
ORDERS_PLACED = Counter("pkb_orders_placed", "Orders placed (one per store in a checkout).")
PAYMENTS = Counter("pkb_payments", "Payments by method and outcome.", ["method", "outcome"])


def order_placed(n=1):
    """Count ``n`` newly placed orders."""
    try:
        ORDERS_PLACED.inc(n)
    except Exception:  # noqa: BLE001 - metrics never break a checkout
        log.exception("metrics.order_placed failed")


def payment(method, outcome):
    """Count one payment event, e.g. ``payment("cod", "paid")``."""
    try:
        PAYMENTS.labels(method=str(method), outcome=str(outcome)).inc()
    except Exception:  # noqa: BLE001
        log.exception("metrics.payment failed")


_SERIES: dict[tuple, tuple] = {}


def observe_request(endpoint, method, status, seconds):
    # The labelled children are looked up once per (endpoint, method, status): a bounded set
    # (endpoint names, not paths), and .labels() costs a lock and a few dict look-ups per call.
    key = (endpoint, method, status)
    series = _SERIES.get(key)
    if series is None:
        series = _SERIES[key] = (REQUESTS.labels(endpoint=endpoint, method=method, status=str(status)),
                                 LATENCY.labels(endpoint=endpoint, status=str(status)))
    series[0].inc()
    series[1].observe(seconds)


def render_latest(multiproc_dir=None):
    """(body, content type) of the current numbers, added up across processes when
    ``multiproc_dir`` (the ``PROMETHEUS_MULTIPROC_DIR`` setting) is set."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if multiproc_dir:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
