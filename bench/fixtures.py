"""What the bench provisions (clusters bench1, bench2, ... and a few users) and how it cleans up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.test import Client

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from tenants import schemas
from tenants.models import Cluster
from tenants.services import cluster_provision

BENCH_SLUG_RE = re.compile(r"^bench[0-9]+$")
BENCH_EMAIL_DOMAIN = "bench.example.test"
PASSWORD = "bench horse battery staple"  # noqa: S105 - a throwaway bench account
# The cluster the request benchmarks run against (the brief's "alpha").
REQUEST_CLUSTER = "bench1"


def to_public_schema() -> None:
    """Point the connection at the public schema (django-tenants' backend method)."""
    tenant_connection: Any = connection  # the stubs know only Django's BaseDatabaseWrapper
    tenant_connection.set_schema_to_public()


def slug(n: int) -> str:
    return f"bench{n}"


def host_of(cluster_slug: str | None) -> str:
    return f"{cluster_slug}.localhost" if cluster_slug else "localhost"


def bench_schemas() -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname ~ %s ORDER BY nspname", [BENCH_SLUG_RE.pattern]
        )
        return [name for (name,) in cur.fetchall()]


def cleanup() -> int:
    """Remove every bench cluster (row, domains, grants, schema) and bench user. Returns clusters removed."""
    to_public_schema()
    slugs = [s for s in Cluster.objects.values_list("schema_name", flat=True) if BENCH_SLUG_RE.match(s)]
    # Domains and grants go with the rows (ON DELETE CASCADE in the ORM).
    Cluster.objects.filter(schema_name__in=slugs).delete()
    dropped = bench_schemas()
    for name in dropped:
        schemas.schema_drop(name=name)
    User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").delete()
    for name in ("default", "platform"):
        caches[name].clear()
    return len(set(slugs) | set(dropped))


@dataclass(frozen=True)
class RequestFixture:
    cluster: Cluster
    user: User
    token: str


def provision_request_fixture() -> RequestFixture:
    cluster = cluster_provision(slug=REQUEST_CLUSTER, name="Bench cluster 1", region_codes=["RU-MOS"])
    user = user_create(email=f"staff@{BENCH_EMAIL_DOMAIN}", password=PASSWORD, full_name="Bench Staff")
    grant_role(user=user, role=Grant.Role.CLUSTER_STAFF, cluster=cluster)
    response = Client(HTTP_HOST=host_of(REQUEST_CLUSTER)).post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}
    )
    if response.status_code != 200:
        raise RuntimeError(f"token request failed: {response.status_code} {response.content[:300]!r}")
    return RequestFixture(cluster=cluster, user=user, token=response.json()["token"])


def signed_in_client(host: str, email: str) -> Client:
    """A client that signed in through the real login form on that host (as tests do)."""
    client = Client(HTTP_HOST=host)
    response = client.post("/login/", {"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"login on {host} failed: {response.status_code}")
    return client
