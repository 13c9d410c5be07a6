"""The pgbouncer that `make prod-smoke` / `make prod-faults` prove (deploy/localstack.py's ini) is
the pgbouncer deploy/ ships: compose and Kubernetes set the same mode, reset query and timeouts.
A setting left at pgbouncer's default in deploy/ (server_login_retry 15 s: every client refused
for 15 s after PostgreSQL is back) would make the fault runs prove something not deployed; and
the app's connect retry (production DATABASE_CONNECT_RETRY_SECONDS) must outlast that window."""

from __future__ import annotations

import configparser
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

from localstack import PgBouncer, pgbouncer_command  # noqa: E402

from tests.ops.test_production_settings import _run as run_production_settings  # noqa: E402

# What must agree; pool sizes and client limits are sized per deployment (deploy/README.md).
SHARED = (
    "pool_mode",
    "auth_type",
    "server_reset_query",
    "query_wait_timeout",
    "server_login_retry",
    "server_connect_timeout",
    "server_check_delay",
    "ignore_startup_parameters",
)


def production_connect_retry_seconds() -> float:
    result = run_production_settings({})
    assert result.returncode == 0, result.stderr
    return float(json.loads(result.stdout.strip().splitlines()[-1])["CONNECT_RETRY"])


def _proven(tmp_path: Path) -> dict[str, str]:
    pgbouncer_command(tmp_path / "pgbouncer", PgBouncer(port=6432), "postgres://postgres@127.0.0.1:5432")
    ini = configparser.ConfigParser()
    ini.read(tmp_path / "pgbouncer" / "pgbouncer.ini")
    return {key: ini["pgbouncer"][key] for key in SHARED}


def _compose() -> dict[str, str]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    env = compose["services"]["pgbouncer"]["environment"]
    return {key.lower(): str(value) for key, value in env.items()}


def _kubernetes() -> dict[str, str]:
    documents = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "35-pgbouncer.yaml").read_text())
    deployment = next(d for d in documents if d and d["kind"] == "Deployment")
    container = next(
        c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "pgbouncer"
    )
    return {item["name"].lower(): str(item["value"]) for item in container["env"] if "value" in item}


def test_compose_runs_the_pgbouncer_settings_the_fault_runs_prove(tmp_path: Path) -> None:
    proven, compose = _proven(tmp_path), _compose()
    assert {key: compose.get(key) for key in SHARED} == proven


def test_kubernetes_runs_the_pgbouncer_settings_the_fault_runs_prove(tmp_path: Path) -> None:
    proven, kubernetes = _proven(tmp_path), _kubernetes()
    assert {key: kubernetes.get(key) for key in SHARED} == proven


def test_the_proven_pgbouncer_is_session_mode_and_retries_the_server_within_the_apps_connect_retry(
    tmp_path: Path,
) -> None:
    proven = _proven(tmp_path)
    assert proven["pool_mode"] == "session"
    assert float(proven["server_login_retry"]) < production_connect_retry_seconds()
