"""/metrics: what it counts, and who may read it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import redis
from django.test import Client
from prometheus_client import REGISTRY
from pytest_django import Settings

from clusterhub.env import tcp_reachable
from clusterhub.metrics import webhook_failure_record
from tenants.models import Cluster
from tests.conftest import TESTS_REDIS_URL, client_for

pytestmark = pytest.mark.django_db


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _scrape(**extra: Any) -> str:
    response = Client(HTTP_HOST="localhost", **extra).get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


@pytest.mark.usefixtures("production_middleware")
def test_requests_are_counted_by_cluster_and_status_with_latency(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    ok_before = _value("clusterhub_http_requests_total", cluster="alpha", method="GET", status="200")
    missing_before = _value("clusterhub_http_requests_total", cluster="beta", method="GET", status="404")
    latency_before = _value("clusterhub_http_request_duration_seconds_count", cluster="alpha")
    unknown_before = _value("clusterhub_http_requests_total", cluster="unknown", method="GET", status="404")
    public_before = _value("clusterhub_http_requests_total", cluster="public", method="GET", status="200")

    assert client_for(cluster_a).get("/").status_code == 200
    assert client_for(cluster_a).get("/").status_code == 200
    assert client_for(cluster_b).get("/no-such-page/").status_code == 404
    assert Client(HTTP_HOST="nosuch.localhost").get("/").status_code == 404
    assert client_for(None).get("/").status_code == 200
    client_for(cluster_a).get("/healthz")  # probes are not counted

    assert (
        _value("clusterhub_http_requests_total", cluster="alpha", method="GET", status="200") == ok_before + 2
    )
    assert (
        _value("clusterhub_http_requests_total", cluster="beta", method="GET", status="404")
        == missing_before + 1
    )
    assert _value("clusterhub_http_request_duration_seconds_count", cluster="alpha") == latency_before + 2
    assert (
        _value("clusterhub_http_requests_total", cluster="unknown", method="GET", status="404")
        == unknown_before + 1
    )
    assert (
        _value("clusterhub_http_requests_total", cluster="public", method="GET", status="200")
        == public_before + 1
    )

    text = _scrape()
    assert 'clusterhub_http_requests_total{cluster="alpha",method="GET",status="200"}' in text
    assert 'clusterhub_http_request_duration_seconds_bucket{cluster="alpha",le="0.05"}' in text
    assert 'clusterhub_http_responses_by_view_total{status="200",view="frontend:home"}' in text
    assert 'cluster="nosuch' not in text  # a random Host header creates no series


def test_webhook_failures_are_counted_through_the_documented_function() -> None:
    before = _value("clusterhub_webhook_failures_total", provider="stripe", reason="signature")
    webhook_failure_record(provider="stripe", reason="signature")
    assert _value("clusterhub_webhook_failures_total", provider="stripe", reason="signature") == before + 1
    assert 'clusterhub_webhook_failures_total{provider="stripe",reason="signature"}' in _scrape()


def test_celery_queue_length_is_read_from_redis(settings: Settings) -> None:
    if not tcp_reachable("127.0.0.1", 6379):
        pytest.skip("Redis at 127.0.0.1:6379 is not running")
    queue = f"ops-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_BROKER_URL = TESTS_REDIS_URL
    settings.METRICS_CELERY_QUEUES = [queue]
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = [queue, f"{queue}\x06\x163"]  # priority 0 and priority 3 (kombu's key layout)
    try:
        client.rpush(keys[0], "a", "b", "c")
        client.rpush(keys[1], "d", "e")
        text = _scrape()
        assert f'clusterhub_celery_queue_length{{queue="{queue}"}} 5.0' in text
        assert "clusterhub_celery_broker_up 1.0" in text
    finally:
        client.delete(*keys)
        client.close()

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    text = _scrape()
    assert "clusterhub_celery_broker_up 0.0" in text
    assert "clusterhub_celery_queue_length{" not in text


def test_without_token_metrics_are_served_only_to_unproxied_loopback(settings: Settings) -> None:
    settings.METRICS_TOKEN = ""
    assert Client(HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(HTTP_HOST="localhost", REMOTE_ADDR="::1").get("/metrics").status_code == 200
    outside = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.7").get("/metrics")
    assert outside.status_code == 403
    assert "internal network" in outside.json()["detail"]
    # Through nginx the peer is loopback, but the request is proxied: refused.
    proxied = Client(HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert proxied.get("/metrics").status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403


def test_with_a_token_metrics_require_it_from_everywhere(settings: Settings, cluster_a: Cluster) -> None:
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    anonymous = Client(HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="metrics"'
    wrong = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer nope").get("/metrics")
    assert wrong.status_code == 401
    token: dict[str, Any] = {"HTTP_AUTHORIZATION": "Bearer s3cret-metrics-token"}
    assert (
        Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.7", **token).get("/metrics").status_code == 200
    )
    # Served on cluster hosts too (same data: the metrics are the process's, not the cluster's).
    assert client_for(cluster_a).get("/metrics", **token).status_code == 200
