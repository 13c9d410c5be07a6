"""gunicorn settings for clusterhub (the Docker image, Kubernetes, prod-smoke and bench-load).

Everything can be overridden by environment variables (GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_WORKER_CLASS, GUNICORN_THREADS, GUNICORN_TIMEOUT). Prometheus metrics are collected across the worker
processes through files in PROMETHEUS_MULTIPROC_DIR (emptied when gunicorn starts).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import glogging

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "clusterhub-prometheus"))

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # inside the container/pod network
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * (os.cpu_count() or 1) + 1, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# "sync" closes the connection after each response; "gthread" keeps it open (keepalive below),
# so nginx's upstream keepalive pool is used instead of a new TCP connection per request.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 25
keepalive = 5
# Recycle workers now and then (bounded memory growth); jitter avoids restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - heartbeat files, not data
# The app writes one JSON access line per request (clusterhub.request); gunicorn's own
# log (start, stop, worker timeouts) goes to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# X-Forwarded-* are read by Django (SECURE_PROXY_SSL_HEADER); gunicorn itself trusts none.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "clusterhub-web"


class _GunicornJsonFormatter(logging.Formatter):
    """gunicorn's own lines as JSON, like the app's (without importing Django in the master)."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class _AppWritesTheAccessLog(glogging.Logger):
    """gunicorn's logger without gunicorn's access line: the app writes one JSON access line per
    request (clusterhub.request) with cluster, view and request id. With logconfig_dict set,
    gunicorn would also format and write its own line for every request (about 0.3 ms of a
    worker's CPU each, and twice the log volume); `accesslog` set explicitly turns it back on."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


logger_class = _AppWritesTheAccessLog

# A complete logging config: gunicorn replaces its defaults key by key (a shallow update).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["console"],
            "propagate": False,
            "qualname": "gunicorn.error",
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
            "qualname": "gunicorn.access",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "formatters": {"json": {"()": _GunicornJsonFormatter}},
}


def on_starting(server: Any) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def post_worker_init(worker: Any) -> None:
    """Import both URLconfs (and with them every view module) before the first request: else a
    fresh worker's first request on each kind of host pays the imports (hundreds of ms; about
    a quarter of a worker's samples in the first 15 s of a py-spy profile under wrk)."""
    from django.conf import settings
    from django.urls import get_resolver

    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        get_resolver(urlconf).reverse_dict  # noqa: B018 - populates the resolver (imports the views)
    # The apps' Celery tasks too: else the first request that queues a task (a payment's e-mail
    # after its webhook) imports every tasks module and Django's checks with them (~1 s of CPU).
    from core.queue import tasks_import

    tasks_import()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
