"""Operational endpoints: /healthz (liveness), /readyz (readiness), /metrics (Prometheus).

They are in clusterhub.urls_ops, so every host (public or cluster) serves them. In
production OpsEndpointsMiddleware also answers them *before* host routing and host
validation, so a probe or scrape addressed to a pod IP, a suspended cluster's host or any
Host header gets the same answer (kubelet sends the pod IP as Host).

- /healthz: 200 while the process can answer; touches nothing else.
- /readyz: 200 when the database answers, the broker answers (when CELERY_BROKER_URL is
  set) and no schema lacks a migration (public, the cluster template and every live
  cluster); else 503. Outside callers get only ``{"status": "ok"|"unavailable"}``; the
  checks and the reason (schema names, broker errors) go only to those who may read /metrics
  (METRICS_TOKEN bearer, or an unproxied request from METRICS_ALLOWED_NETWORKS: kubelet
  probes from the node, the operator on the pod). The migration check compares each schema's
  django_migrations with the leaf migrations on disk in one query, and once it passed a
  process remembers it (schemas only move forward; a running pod does not drop out of
  service because a later release is migrating); database and broker are checked on
  every call.
- /metrics: Prometheus text. With METRICS_TOKEN set it requires
  ``Authorization: Bearer <token>``; without it, only unproxied requests from
  METRICS_ALLOWED_NETWORKS (loopback by default). nginx never forwards /metrics.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from clusterhub import metrics, schema_state

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.0
# How many schemas a 503 names (the count is always complete).
REASON_SCHEMAS_SHOWN = 10


class _MigrationsVerdict:
    """Per-process memory of a passed migration check (see the module docstring)."""

    def __init__(self) -> None:
        self.passed = False
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.passed = False


migrations_verdict = _MigrationsVerdict()


def check_database() -> str | None:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:
        logger.warning("readiness: database unavailable: %s", exc)
        return f"database unavailable ({exc.__class__.__name__})"
    return None


def check_broker() -> str | None:
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url:
        return None
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(
                url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            from kombu import Connection

            with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
                conn.ensure_connection(max_retries=1)
    except Exception as exc:
        logger.warning("readiness: broker unavailable: %s", exc)
        return f"broker unavailable ({exc.__class__.__name__})"
    return None


def check_migrations() -> tuple[str | None, dict[str, Any]]:
    """(reason or None, details). Cheap after the first pass in this process."""
    if migrations_verdict.passed:
        return None, {}
    schemas = schema_state.schemas_to_check()
    pending = schema_state.pending_by_schema(schemas, leaves_only=True)
    if pending:
        names = sorted(pending)
        shown = ", ".join(names[:REASON_SCHEMAS_SHOWN]) + (" …" if len(names) > REASON_SCHEMAS_SHOWN else "")
        missing_schema = [n for n in names if pending[n] == [("<schema>", "<missing>")]]
        details: dict[str, Any] = {"schemas_behind": len(names), "schemas_checked": len(schemas)}
        if missing_schema:
            details["schemas_missing"] = missing_schema[:REASON_SCHEMAS_SHOWN]
        return f"unapplied migrations in {len(names)} of {len(schemas)} schemas: {shown}", details
    with migrations_verdict.lock:
        migrations_verdict.passed = True
    return None, {}


def readiness() -> tuple[bool, dict[str, Any]]:
    checks: dict[str, str] = {}
    reasons: list[str] = []
    details: dict[str, Any] = {}

    db_problem = check_database()
    checks["database"] = db_problem or "ok"
    if db_problem:
        reasons.append(db_problem)

    if getattr(settings, "CELERY_BROKER_URL", ""):
        broker_problem = check_broker()
        checks["broker"] = broker_problem or "ok"
        if broker_problem:
            reasons.append(broker_problem)
    else:
        checks["broker"] = "not configured (tasks run in-process)"

    if db_problem:
        checks["migrations"] = "not checked (no database)"
    else:
        try:
            migration_problem, details = check_migrations()
        except Exception as exc:
            logger.exception("readiness: migration check failed")
            migration_problem = f"migration check failed ({exc.__class__.__name__})"
        checks["migrations"] = migration_problem or "ok"
        if migration_problem:
            reasons.append(migration_problem)

    body: dict[str, Any] = {"status": "ok" if not reasons else "unavailable", "checks": checks}
    if reasons:
        body["reason"] = "; ".join(reasons)
        body.update(details)
    return not reasons, body


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    ready, body = readiness()
    if metrics_access_denied(request) is not None:  # the outside: OK / not OK, no internals
        body = {"status": body["status"]}
    return JsonResponse(body, status=200 if ready else 503)


# --- /metrics access ------------------------------------------------------------------------


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = getattr(settings, "METRICS_ALLOWED_NETWORKS", None) or ["127.0.0.0/8", "::1/128"]
    return [ipaddress.ip_network(item, strict=False) for item in raw]


def metrics_access_denied(request: HttpRequest) -> HttpResponse | None:
    """None when the scrape may proceed, else the refusal (401 bad/missing token, 403 source)."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        response = JsonResponse({"detail": "metrics require a bearer token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    proxied = any(request.META.get(h) for h in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"))
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        address = None
    if not proxied and address is not None and any(address in net for net in _allowed_networks()):
        return None
    return JsonResponse({"detail": "metrics are served to the internal network only"}, status=403)


@never_cache
@csrf_exempt
def metrics_view(request: HttpRequest) -> HttpResponse:
    refusal = metrics_access_denied(request)
    if refusal is not None:
        return refusal
    from prometheus_client import CONTENT_TYPE_LATEST

    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


OPS_VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics_view,
}


class OpsEndpointsMiddleware:
    """Answers /healthz, /readyz and /metrics before host routing and validation."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = OPS_VIEWS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            # Host routing did not run: do not leave the previous request's cluster on the
            # connection (log lines name the schema the connection is on). No query.
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            return view(request)
        return self.get_response(request)


# The middleware production.py puts in front of settings.MIDDLEWARE (tests reuse the list).
OPS_MIDDLEWARE = [
    "clusterhub.observability.RequestObservabilityMiddleware",
    "clusterhub.ops.OpsEndpointsMiddleware",
    "clusterhub.security.ContentSecurityPolicyMiddleware",
]
