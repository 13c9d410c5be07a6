"""The database does not answer (PostgreSQL restarting, pgbouncer without a server): pages answer
a Russian 503 with Retry-After, the API a JSON 503 — never a 500. Other errors stay a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.test import Client

from tenants.models import Cluster
from tests.conftest import host_of


@contextmanager
def database_raises(exc: Exception) -> Iterator[None]:
    """Every query of this thread fails with exc, as when the server went away."""
    with mock.patch.object(connections["default"], "cursor", side_effect=exc):
        yield


def client(cluster: Cluster | None) -> Client:
    return Client(HTTP_HOST=host_of(cluster), raise_request_exception=False)


DOWN = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.mark.parametrize("exc", [DOWN, InterfaceError("connection already closed")])
def test_cluster_page_answers_russian_503_with_retry_after(cluster_a: Cluster, exc: Exception) -> None:
    with database_raises(exc):
        response = client(cluster_a).get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "15"
    body = response.content.decode()
    assert "Сервис временно недоступен" in body
    assert "База данных не отвечает" in body


def test_platform_page_answers_503(db: None) -> None:
    with database_raises(DOWN):
        response = client(None).get("/")
    assert response.status_code == 503
    assert "Сервис временно недоступен" in response.content.decode()


def test_api_answers_json_503(cluster_a: Cluster) -> None:
    with database_raises(DOWN):
        response = Client(
            HTTP_HOST=host_of(cluster_a), HTTP_AUTHORIZATION="Token abc", raise_request_exception=False
        ).get("/api/v1/news/")
    assert response.status_code == 503
    assert response["Retry-After"] == "15"
    assert response.json() == {
        "detail": "Сервис временно недоступен. Повторите запрос позже.",
        "code": "service_unavailable",
    }


def test_english_page_when_english_is_chosen(cluster_a: Cluster) -> None:
    with database_raises(DOWN):
        response = client(cluster_a).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    # The language middleware may not have run (it reads the session): Russian or English, never a 500.
    body = response.content.decode()
    assert "Service temporarily unavailable" in body or "Сервис временно недоступен" in body


def test_other_errors_stay_500(cluster_a: Cluster) -> None:
    with database_raises(RuntimeError("a bug")):
        response = client(cluster_a).get("/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Сервис временно недоступен" not in response.content.decode()
