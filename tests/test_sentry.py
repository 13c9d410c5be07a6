"""Sentry: on when SENTRY_DSN is set; every event carries the cluster it happened in; no PII."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest
import sentry_sdk
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django_tenants.utils import schema_context
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from clusterhub.sentry import init_sentry, tag_cluster
from tenants.content.tasks import cluster_heartbeat
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, host_of, signed_in

ROOT = Path(__file__).resolve().parents[1]
FAKE_DSN = "https://publickey@sentry.invalid/42"


class CapturingTransport(Transport):
    """Keeps every envelope in memory instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict[str, Any]]:
        return [
            cast("dict[str, Any]", event) for env in self.envelopes if (event := env.get_event()) is not None
        ]

    def raw(self) -> str:
        return "\n".join(env.serialize().decode("utf-8", errors="replace") for env in self.envelopes)


@pytest.fixture
def sentry_events() -> Iterator[CapturingTransport]:
    transport = CapturingTransport()
    with sentry_sdk.isolation_scope():  # tags set by requests/tasks here stay here
        init_sentry(dsn=FAKE_DSN, environment="test", transport=transport)
        try:
            yield transport
        finally:
            sentry_sdk.get_client().close()
            sentry_sdk.get_global_scope().set_client(None)
    assert not sentry_sdk.get_client().is_active()


def _settings_sentry(dsn: str | None) -> dict[str, Any]:
    """What a freshly started process with these settings reports about its Sentry client."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clusterhub.settings.test",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    }
    env.pop("SENTRY_DSN", None)
    if dsn:
        env["SENTRY_DSN"] = dsn
    code = (
        "import json, django, sentry_sdk; django.setup(); c = sentry_sdk.get_client();"
        "print(json.dumps({'active': c.is_active(), 'dsn': c.dsn,"
        " 'pii': c.options.get('send_default_pii'), 'integrations': sorted(c.integrations)}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sentry_starts_only_when_a_dsn_is_configured() -> None:
    on = _settings_sentry(FAKE_DSN)
    assert on["active"] is True
    assert on["dsn"] == FAKE_DSN
    assert on["pii"] is False
    assert {"django", "celery"} <= set(on["integrations"])
    assert _settings_sentry(None)["active"] is False


@contextmanager
def _test_transaction_kept_open() -> Iterator[None]:
    """What django.test.Client does around a request: don't close the test's DB connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _wsgi_get(host: str, path: str, **headers: Any) -> str:
    """GET through the deployed WSGI application (the test Client skips Sentry's WSGI layer)."""
    from clusterhub.wsgi import application

    environ = RequestFactory(HTTP_HOST=host).get(path, **headers).environ
    status: list[str] = []

    def start_response(
        code: str, _headers: list[tuple[str, str]], _exc_info: Any = None
    ) -> Callable[[bytes], None]:
        status.append(code)
        return lambda _data: None

    with _test_transaction_kept_open():
        response = application(environ, start_response)
        b"".join(response)
        response.close()
    return status[0]


def test_request_error_is_tagged_with_its_cluster_and_carries_no_pii(
    sentry_events: CapturingTransport,
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_news_list(*_: Any, **__: Any) -> None:
        raise RuntimeError("news storage is down")

    # The cluster home's news and /news/ (the site's news management list) fail as a broken
    # storage would.
    monkeypatch.setattr("frontend.views.news_list", broken_news_list)
    monkeypatch.setattr("frontend.views.manage_list", broken_news_list)
    # Built at run time: a literal here would show up in the event's source context lines.
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a, email=f"ivan.petrov.{uuid.uuid4().hex[:8]}@example.test")
    browser = signed_in(user, cluster_a)
    secrets = {
        "email": user.email,
        "session cookie": browser.cookies["sessionid"].value,
        "csrf cookie": browser.cookies["csrftoken"].value,
        "api token": "0123456789abcdef-secret-token",
    }
    cookie_header = "; ".join(f"{morsel.key}={morsel.value}" for morsel in browser.cookies.values())

    assert (
        _wsgi_get(
            host_of(cluster_a),
            "/news/",
            HTTP_COOKIE=cookie_header,
            HTTP_AUTHORIZATION=f"Token {secrets['api token']}",
            HTTP_X_CSRFTOKEN=secrets["csrf cookie"],
            HTTP_USER_AGENT="pytest-browser",
        )
        == "500 Internal Server Error"
    )
    assert _wsgi_get(host_of(cluster_b), "/") == "500 Internal Server Error"

    events = [e for e in sentry_events.events() if e.get("exception")]
    assert [(e["tags"].get("cluster"), e["request"]["url"]) for e in events] == [
        ("alpha", "http://alpha.localhost/news/"),
        ("beta", "http://beta.localhost/"),
    ]
    alpha_event = events[0]
    assert alpha_event["exception"]["values"][-1]["value"] == "news storage is down"
    # The request is there to debug with, minus anything that identifies or authenticates the user.
    headers = {name.lower(): value for name, value in alpha_event["request"]["headers"].items()}
    assert headers["user-agent"] == "pytest-browser"
    assert set(headers).isdisjoint({"cookie", "authorization", "x-csrftoken"})
    assert "cookies" not in alpha_event["request"]
    assert "email" not in (alpha_event.get("user") or {})
    raw = sentry_events.raw()
    leaked = [what for what, value in secrets.items() if value in raw]
    assert leaked == []


def test_task_errors_are_tagged_with_the_cluster_the_task_ran_in(
    sentry_events: CapturingTransport, cluster_a: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_news_list(**_: Any) -> None:
        raise RuntimeError("news storage is down")

    monkeypatch.setattr("tenants.content.tasks.news_list", broken_news_list)
    tag_cluster("beta")  # whatever the caller's scope says, the task's own schema wins
    with schema_context(cluster_a.schema_name), pytest.raises(RuntimeError, match="storage is down"):
        cluster_heartbeat.delay()
    sentry_sdk.capture_message("after the task")

    events = sentry_events.events()
    task_events = [e for e in events if e.get("exception")]
    assert len(task_events) == 1
    assert task_events[0]["tags"]["cluster"] == "alpha"
    assert task_events[0]["extra"]["celery-job"]["task_name"] == "tenants.cluster_heartbeat"
    # The task's tag does not leak into the scope that queued it.
    assert [e["tags"]["cluster"] for e in events if e.get("message") == "after the task"] == ["beta"]
