"""/healthz and /readyz on every host; /readyz says why it is not ready."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from psycopg2 import sql
from pytest_django import Settings

from clusterhub import ops, schema_state
from clusterhub.env import tcp_reachable
from tenants.models import Cluster
from tenants.services import cluster_suspend
from tests.conftest import TESTS_REDIS_URL, client_for

pytestmark = pytest.mark.django_db


def _delete_leaf_migration_row(schema: str) -> tuple[str, str]:
    """Make `schema` look one migration behind (the test transaction puts the row back)."""
    app, name = sorted(schema_state.expected_leaves())[0]
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL("DELETE FROM {}.django_migrations WHERE app = %s AND name = %s").format(
                sql.Identifier(schema)
            ),
            [app, name],
        )
        assert cur.rowcount == 1
    return app, name


@pytest.mark.parametrize("which", ["public", "alpha", "beta"])
def test_healthz_and_readyz_answer_on_public_and_cluster_hosts(
    which: str, cluster_a: Cluster, cluster_b: Cluster
) -> None:
    client = client_for({"public": None, "alpha": cluster_a, "beta": cluster_b}[which])

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert "no-cache" in health["Cache-Control"]

    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.content
    body = ready.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["broker"].startswith("not configured")  # test settings: eager tasks


def test_readyz_is_503_with_the_schema_when_a_cluster_lacks_a_migration(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    app, name = _delete_leaf_migration_row(cluster_b.schema_name)

    for client in (client_for(None), client_for(cluster_a), client_for(cluster_b)):
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["migrations"].startswith("unapplied migrations in 1 of ")
        assert "beta" in body["reason"]
        assert "alpha" not in body["reason"]
        assert body["schemas_behind"] == 1

    with connection.cursor() as cur:  # applied again: ready again
        cur.execute(
            sql.SQL("INSERT INTO {}.django_migrations (app, name, applied) VALUES (%s, %s, now())").format(
                sql.Identifier(cluster_b.schema_name)
            ),
            [app, name],
        )
    assert client_for(cluster_a).get("/readyz").status_code == 200


def test_readyz_is_503_when_the_template_or_public_lacks_a_migration(cluster_a: Cluster) -> None:
    _delete_leaf_migration_row("cluster_template")
    response = client_for(cluster_a).get("/readyz")
    assert response.status_code == 503
    assert "cluster_template" in response.json()["reason"]


def test_readyz_names_a_live_cluster_whose_schema_is_missing(cluster_a: Cluster) -> None:
    ghost = Cluster.objects.create(schema_name="ghost", name="Кластер без схемы", region_codes=["RU-MOS"])
    response = client_for(cluster_a).get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["schemas_missing"] == ["ghost"]
    assert "ghost" in body["reason"]
    # An archived cluster has no schema, by design.
    Cluster.objects.filter(pk=ghost.pk).update(status=Cluster.Status.ARCHIVED)
    assert client_for(cluster_a).get("/readyz").status_code == 200


def test_a_passed_migration_check_is_remembered_by_the_process(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    """A running pod stays in service while the next release migrates (deploy/README.md)."""
    assert client_for(cluster_a).get("/readyz").status_code == 200
    _delete_leaf_migration_row(cluster_b.schema_name)
    assert client_for(cluster_a).get("/readyz").status_code == 200
    ops.migrations_verdict.reset()  # a new process (the next release's pod) checks again
    assert client_for(cluster_a).get("/readyz").status_code == 503


def test_readyz_checks_the_broker_when_one_is_configured(settings: Settings, cluster_a: Cluster) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client_for(cluster_a).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "broker unavailable (ConnectionError)"
    assert response.json()["checks"]["database"] == "ok"

    if not tcp_reachable("127.0.0.1", 6379):
        pytest.skip("Redis at 127.0.0.1:6379 is not running: the reachable-broker half is skipped")
    settings.CELERY_BROKER_URL = TESTS_REDIS_URL
    response = client_for(cluster_a).get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.usefixtures("production_middleware")
def test_probes_answer_for_any_host_before_host_routing(cluster_a: Cluster) -> None:
    """kubelet sends the pod IP as Host; a suspended cluster's host still has a live process."""
    by_ip = Client(HTTP_HOST="10.244.1.17:8000")
    assert by_ip.get("/healthz").status_code == 200
    assert by_ip.get("/readyz").status_code == 200
    assert by_ip.get("/").status_code == 400  # everything else still validates the host

    cluster_suspend(cluster=cluster_a)
    suspended = client_for(cluster_a)
    assert suspended.get("/").status_code == 403
    assert suspended.get("/healthz").status_code == 200
    assert suspended.get("/readyz").json()["status"] == "ok"

    unknown = Client(HTTP_HOST=f"{uuid.uuid4().hex[:8]}.localhost")
    assert unknown.get("/").status_code == 404
    assert unknown.get("/healthz").status_code == 200
