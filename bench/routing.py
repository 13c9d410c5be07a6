"""Row 2: SET search_path statements per request, ours vs django-tenants' stock middleware.

Every statement goes through Django's cursor wrapper (django-tenants issues its
`SET search_path` on the cursor it hands out), so connection.execute_wrapper sees it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from .fixtures import REQUEST_CLUSTER, RequestFixture, host_of, signed_in_client, to_public_schema
from .stock import BENCH_STOCK_MIDDLEWARE

SET_SEARCH_PATH_RE = re.compile(r"^\s*SET\s+search_path\b", re.IGNORECASE)
STEADY_SAMPLES = 3


@dataclass
class Capture:
    """The SQL statements one request sent, in order."""

    statements: list[str] = field(default_factory=list)
    status: int = 0

    @property
    def set_count(self) -> int:
        return sum(1 for s in self.statements if SET_SEARCH_PATH_RE.match(s))


@contextmanager
def recording(capture: Capture) -> Iterator[Capture]:
    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        capture.statements.append(str(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield capture


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    host: str
    path: str
    make_client: Callable[[], Client]


def scenarios(fixture: RequestFixture) -> list[Scenario]:
    cluster_host = host_of(REQUEST_CLUSTER)
    public_host = host_of(None)
    return [
        Scenario(
            "cluster_page",
            f"cluster page GET / on {cluster_host} (anonymous)",
            cluster_host,
            "/",
            lambda: Client(HTTP_HOST=cluster_host),
        ),
        Scenario(
            "cluster_page_session",
            f"cluster page GET / on {cluster_host} (signed in)",
            cluster_host,
            "/",
            lambda: signed_in_client(cluster_host, fixture.user.email),
        ),
        Scenario(
            "cluster_api",
            f"cluster API GET /api/v1/me/ on {cluster_host} (token)",
            cluster_host,
            "/api/v1/me/",
            lambda: Client(HTTP_HOST=cluster_host, HTTP_AUTHORIZATION=f"Token {fixture.token}"),
        ),
        Scenario(
            "public_home",
            f"public home GET / on {public_host}",
            public_host,
            "/",
            lambda: Client(HTTP_HOST=public_host),
        ),
    ]


def _request(client: Client, path: str) -> Capture:
    capture = Capture()
    with recording(capture):
        response = client.get(path)
    capture.status = response.status_code
    return capture


@dataclass
class Measurement:
    steady: list[Capture]
    cold: Capture

    @property
    def steady_counts(self) -> list[int]:
        return [c.set_count for c in self.steady]

    @property
    def steady_median(self) -> float:
        return statistics.median(self.steady_counts)

    @property
    def ok(self) -> bool:
        return all(c.status == 200 for c in [*self.steady, self.cold])

    @property
    def statuses(self) -> set[int]:
        return {c.status for c in [*self.steady, self.cold]}


def measure(scenario: Scenario) -> Measurement:
    client = scenario.make_client()
    _request(client, scenario.path)  # warm-up: fills the host -> cluster cache
    steady = [_request(client, scenario.path) for _ in range(STEADY_SAMPLES)]
    caches["platform"].clear()  # cache miss: host -> cluster must be looked up again
    cold = _request(client, scenario.path)
    return Measurement(steady=steady, cold=cold)


# --- the configurations compared ----------------------------------------------------------


def stock_settings(*, show_public_if_no_tenant: bool = True) -> AbstractContextManager[Any]:
    """django-tenants' TenantMainMiddleware in place of ClusterRoutingMiddleware.

    There is no Domain row for the public host, so stock answers 404 there unless
    SHOW_PUBLIC_IF_NO_TENANT_FOUND is on (then it serves PUBLIC_SCHEMA_URLCONF after
    a Domain lookup that misses).
    """
    middleware = [BENCH_STOCK_MIDDLEWARE, *settings.MIDDLEWARE[1:]]
    return override_settings(MIDDLEWARE=middleware, SHOW_PUBLIC_IF_NO_TENANT_FOUND=show_public_if_no_tenant)


def ours_settings() -> AbstractContextManager[Any]:
    return nullcontext()


def ours_limited_settings() -> AbstractContextManager[Any]:
    """What-if: ours plus django-tenants' TENANT_LIMIT_SET_CALLS (not in the project's settings)."""
    return override_settings(TENANT_LIMIT_SET_CALLS=True)


@dataclass
class RoutingResult:
    ours: dict[str, Measurement]
    stock: dict[str, Measurement]
    ours_limited: dict[str, Measurement]
    stock_public_without_fallback_status: int
    labels: dict[str, str]


def run(fixture: RequestFixture) -> RoutingResult:
    all_scenarios = scenarios(fixture)
    results: dict[str, dict[str, Measurement]] = {}
    for name, context in (
        ("ours", ours_settings),
        ("stock", stock_settings),
        ("ours_limited", ours_limited_settings),
    ):
        # Clients are made inside the override, so their handler loads that middleware.
        with context():
            results[name] = {s.key: measure(s) for s in all_scenarios}
    with stock_settings(show_public_if_no_tenant=False):
        public_status = Client(HTTP_HOST=host_of(None)).get("/").status_code
    to_public_schema()
    caches["platform"].clear()
    return RoutingResult(
        ours=results["ours"],
        stock=results["stock"],
        ours_limited=results["ours_limited"],
        stock_public_without_fallback_status=public_status,
        labels={s.key: s.label for s in all_scenarios},
    )
