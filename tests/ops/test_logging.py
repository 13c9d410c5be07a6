"""Structured logs: one JSON object per line, with the cluster slug and the request id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from clusterhub.observability import JsonFormatter
from tenants.models import Cluster
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_middleware")]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def json_log() -> Iterator[_Lines]:
    handler = _Lines()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


def test_access_line_is_json_with_cluster_slug_and_request_id(json_log: _Lines, cluster_a: Cluster) -> None:
    response = client_for(cluster_a).get("/", HTTP_X_REQUEST_ID="req-0123456789abcdef")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-0123456789abcdef"

    access = [r for r in json_log.records() if r["logger"] == "clusterhub.request"]
    assert len(access) == 1
    line = access[0]
    assert line["cluster"] == "alpha"
    assert line["request_id"] == "req-0123456789abcdef"
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["view"] == "frontend:home"
    assert line["level"] == "INFO"
    assert line["duration_ms"] >= 0
    assert line["ts"].endswith("+00:00")


def test_lines_logged_after_the_response_still_carry_the_request_id(
    json_log: _Lines, cluster_b: Cluster
) -> None:
    """Django logs 4xx/5xx (django.request) after the middleware chain returned."""
    response = client_for(cluster_b).get("/no-such-page/", HTTP_X_REQUEST_ID="req-beta-404-000001")
    assert response.status_code == 404
    warning = [r for r in json_log.records() if r["logger"] == "django.request"]
    assert warning
    assert warning[0]["message"] == "Not Found: /no-such-page/"
    assert warning[0]["cluster"] == "beta"
    assert warning[0]["request_id"] == "req-beta-404-000001"
    # The next request does not inherit it.
    logging.getLogger("tests.ops").warning("between requests")
    assert json_log.records()[-1]["request_id"] is None


def test_a_request_id_is_made_when_none_or_a_malformed_one_arrives(json_log: _Lines) -> None:
    made = Client(HTTP_HOST="localhost").get("/")
    assert len(made["X-Request-ID"]) == 32
    forged = Client(HTTP_HOST="localhost").get("/", HTTP_X_REQUEST_ID='bad id"\n{injected}')
    assert forged["X-Request-ID"] != 'bad id"\n{injected}'
    assert len(forged["X-Request-ID"]) == 32
    access = [r for r in json_log.records() if r["logger"] == "clusterhub.request"]
    assert [r["request_id"] for r in access] == [made["X-Request-ID"], forged["X-Request-ID"]]
    assert {r["cluster"] for r in access} == {"public"}


def test_formatter_keeps_extras_and_exceptions_on_one_line() -> None:
    record = logging.LogRecord("tenants", logging.ERROR, __file__, 1, "провал %s", ("импорта",), None)
    record.company_id = 42
    try:
        raise ValueError("сломалось")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "провал импорта"
    assert parsed["company_id"] == 42
    assert "ValueError: сломалось" in parsed["exc"]
