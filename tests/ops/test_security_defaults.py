"""Issue 15, «Also build 4»: entry points fail closed in production, BILLING_SECRETS_KEY is
required there, link secrets never reach the logs, /readyz tells the outside only OK / not OK."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from pytest_django import Settings

from clusterhub.entry import settings_module
from clusterhub.observability import JsonFormatter
from tenants.models import Cluster
from tests.conftest import client_for, host_of

from .test_production_settings import REQUIRED, _run

ROOT = Path(__file__).resolve().parents[2]

ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "check"],
    "wsgi": [sys.executable, "-c", "import clusterhub.wsgi"],
    "asgi": [sys.executable, "-c", "import clusterhub.asgi"],
    "celery": [sys.executable, "-c", "import clusterhub.celery_app"],
}


def _start(command: list[str], env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CLUSTERHUB_", "CELERY_")) and k != "DATABASE_URL"
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "platform")])
    env.update(env_overrides)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_every_entry_point_refuses_production_without_an_explicit_settings_module(entry: str) -> None:
    result = _start(ENTRY_POINTS[entry], {"CLUSTERHUB_ENV": "production"})
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr


@pytest.mark.parametrize("entry", ["manage.py", "wsgi"])
def test_production_refuses_the_development_settings_even_when_named(entry: str) -> None:
    result = _start(
        ENTRY_POINTS[entry],
        {"CLUSTERHUB_ENV": "production", "DJANGO_SETTINGS_MODULE": "clusterhub.settings.local"},
    )
    assert result.returncode != 0
    assert "refuses the development settings clusterhub.settings.local" in result.stderr


def test_the_settings_module_choice() -> None:
    assert settings_module({}) == "clusterhub.settings.local"  # development keeps its default
    assert (
        settings_module({"DJANGO_SETTINGS_MODULE": "clusterhub.settings.test"}) == "clusterhub.settings.test"
    )
    production = {"CLUSTERHUB_ENV": "production", "DJANGO_SETTINGS_MODULE": "clusterhub.settings.production"}
    assert settings_module(production) == "clusterhub.settings.production"
    with pytest.raises(ImproperlyConfigured):
        settings_module({"CLUSTERHUB_ENV": "Production"})


def test_the_wsgi_entry_starts_with_production_settings_named() -> None:
    result = _start(
        [sys.executable, "-c", "import clusterhub.wsgi; print('started')"],
        {
            **REQUIRED,
            "CLUSTERHUB_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "clusterhub.settings.production",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("started")


@pytest.mark.parametrize("key", ["not-a-fernet-key", "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=,short"])
def test_production_refuses_a_billing_secrets_key_that_is_not_fernet(key: str) -> None:
    result = _run({"BILLING_SECRETS_KEY": key})
    assert result.returncode != 0
    assert "BILLING_SECRETS_KEY must be Fernet keys" in result.stderr


# --- link secrets never reach the logs ---------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


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


@pytest.mark.django_db
@pytest.mark.usefixtures("production_middleware")
def test_invitation_and_reset_tokens_are_redacted_in_every_log_line(
    json_log: _Lines, cluster_a: Cluster
) -> None:
    secret = "s3cr3t-Invitation-Token-0123456789"
    client = client_for(cluster_a)
    client.get(f"/members/invitations/{secret}/")
    client.get(f"/password/reset/MTIz/{secret}/")
    client.get(f"/site/news/?token={secret}&page=2")

    text = "\n".join(json_log.lines)
    assert secret not in text
    paths = [
        json.loads(line)["path"]
        for line in json_log.lines
        if json.loads(line)["logger"] == "clusterhub.request"
    ]
    assert "/members/invitations/[redacted]/" in paths
    assert "/password/reset/[redacted]/[redacted]/" in paths


def test_nginx_logs_the_redacted_uri() -> None:
    conf = (ROOT / "deploy" / "nginx" / "clusterhub.conf.template").read_text(encoding="utf-8")
    log_format = conf.split("log_format clusterhub_json", 1)[1].split(";", 1)[0]
    assert "$request_uri" not in log_format and '"uri":"$clusterhub_logged_uri"' in log_format
    assert "/invitations/)[^/?]+" in conf and "/reset/)[^/?]+/[^/?]+" in conf


# --- /readyz: OK / not OK to the outside ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("production_middleware")
def test_readyz_shows_internals_only_to_loopback_or_the_metrics_token(
    cluster_a: Cluster, settings: Settings
) -> None:
    outside = Client(HTTP_HOST=host_of(cluster_a), REMOTE_ADDR="203.0.113.9")
    proxied = Client(HTTP_HOST=host_of(cluster_a), HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert outside.get("/readyz").json() == {"status": "ok"}
    assert proxied.get("/readyz").json() == {"status": "ok"}
    assert "checks" in client_for(cluster_a).get("/readyz").json()  # the probe on the pod

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens: not ready
    down = outside.get("/readyz")
    assert down.status_code == 503 and down.json() == {"status": "unavailable"}
    assert "127.0.0.1:1" not in down.content.decode()

    settings.METRICS_TOKEN = "probe-token-0123456789"
    with_token = outside.get("/readyz", HTTP_AUTHORIZATION="Bearer probe-token-0123456789")
    assert with_token.status_code == 503 and "broker" in with_token.json()["checks"]
    assert outside.get("/readyz").json() == {"status": "unavailable"}
