"""Prometheus metrics of the web tier, served at /metrics (see deploy/README.md, "Metrics").

Series (all prefixed ``clusterhub_``):

- ``http_requests_total{cluster, method, status}``: every request except /healthz,
  /readyz and /metrics. ``cluster`` is the cluster slug, ``public`` for the platform host,
  ``unknown`` for a host that is neither (404/400): random Host headers cannot create series.
- ``http_request_duration_seconds{cluster}``: latency histogram, same requests.
- ``http_responses_by_view_total{view, status}``: by URL name (``unresolved`` when no
  view matched), across clusters. A webhook endpoint's failures are this counter with its
  view name and a 4xx/5xx status.
- ``webhook_failures_total{provider, reason}``: business-level webhook failures recorded by
  the billing code through :func:`webhook_failure_record` (a signature that does not
  verify, an event that cannot be applied). No series exists until the first call.
- ``celery_queue_length{queue}`` and ``celery_broker_up``: read from Redis at scrape
  time (only when CELERY_BROKER_URL is a redis:// URL).

Under gunicorn with several workers, PROMETHEUS_MULTIPROC_DIR must be set (the
deploy/gunicorn.conf.py does it): each worker writes its values to files there and a
scrape sums them, whichever worker answers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
# No *_created series (the multiprocess mode has none either): one scrape format everywhere.
disable_created_metrics()

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "clusterhub_http_requests",
    "HTTP requests by cluster, method and status code.",
    ["cluster", "method", "status"],
)
LATENCY = Histogram(
    "clusterhub_http_request_duration_seconds",
    "Time from the first middleware to the response, by cluster.",
    ["cluster"],
    buckets=LATENCY_BUCKETS,
)
BY_VIEW = Counter(
    "clusterhub_http_responses_by_view", "HTTP responses by URL name and status code.", ["view", "status"]
)
WEBHOOK_FAILURES = Counter(
    "clusterhub_webhook_failures",
    "Webhook deliveries that could not be accepted, by provider and reason.",
    ["provider", "reason"],
)


def request_observe(*, cluster: str, method: str, status: int, seconds: float, view: str) -> None:
    method = method if method in KNOWN_METHODS else "OTHER"
    REQUESTS.labels(cluster=cluster, method=method, status=str(status)).inc()
    LATENCY.labels(cluster=cluster).observe(seconds)
    BY_VIEW.labels(view=view, status=str(status)).inc()


def webhook_failure_record(*, provider: str, reason: str) -> None:
    """Count one webhook delivery that was refused or could not be applied.

    For the billing webhooks: call it where the endpoint answers an error, e.g.
    ``webhook_failure_record(provider="stripe", reason="signature")``. Keep ``reason`` to a
    short fixed vocabulary (signature, payload, unknown_event, processing): every distinct
    value is a new time series.
    """
    WEBHOOK_FAILURES.labels(provider=provider, reason=reason).inc()


# --- Celery queue depth -------------------------------------------------------------------


def _queue_keys(queue: str) -> list[str]:
    """kombu's Redis transport keeps a queue in one list per priority step."""
    separator = "\x06\x16"
    return [queue, *(f"{queue}{separator}{step}" for step in (1, 2, 3, 4, 5, 6, 7, 8, 9))]


def _celery_queues() -> list[str]:
    configured = getattr(settings, "METRICS_CELERY_QUEUES", None)
    if configured:
        return list(configured)
    return [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery"]


class CeleryQueueCollector(Collector):
    """Queue lengths read from the Redis broker at scrape time (a few LLEN calls)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        url = getattr(settings, "CELERY_BROKER_URL", "")
        if not url.startswith(("redis://", "rediss://")):
            return
        import redis

        up = GaugeMetricFamily("clusterhub_celery_broker_up", "1 when the Redis broker answered the scrape.")
        lengths = GaugeMetricFamily(
            "clusterhub_celery_queue_length",
            "Messages waiting in a Celery queue (all priorities).",
            labels=["queue"],
        )
        try:
            client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            try:
                pipe = client.pipeline(transaction=False)
                queues = _celery_queues()
                for queue in queues:
                    for key in _queue_keys(queue):
                        pipe.llen(key)
                values = pipe.execute()
            finally:
                client.close()
        except Exception as exc:  # a scrape reports the broker down, it never fails
            logger.warning("celery queue length unavailable: %s", exc.__class__.__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        per_queue = len(values) // len(queues)
        for i, queue in enumerate(queues):
            lengths.add_metric([queue], sum(values[i * per_queue : (i + 1) * per_queue]))
        yield up
        yield lengths


_QUEUE_COLLECTOR = CeleryQueueCollector()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """The text exposition of every metric (summed over gunicorn workers when multiprocess)."""
    registry: Any
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_QUEUE_COLLECTOR)
        return generate_latest(registry)
    registry = CollectorRegistry()
    registry.register(_QUEUE_COLLECTOR)
    return generate_latest(REGISTRY) + generate_latest(registry)
