"""Reads of clusters and their hosts (public schema)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet

from .models import Cluster, Domain

_HOST_KEY = "cluster-host:{}"


def cluster_for_host(*, hostname: str) -> Cluster | None:
    """The cluster served on this host name, or None. Cached (services invalidate)."""
    cache = caches["platform"]
    key = _HOST_KEY.format(hostname)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    cluster = domain.tenant if domain else None
    cache.set(key, cluster or False, settings.CLUSTER_HOST_CACHE_SECONDS)
    return cluster


def forget_cluster_hosts(*, cluster: Cluster) -> None:
    """Drop cached host resolutions of a cluster (after any change to it)."""
    hostnames = list(Domain.objects.filter(tenant=cluster).values_list("domain", flat=True))
    caches["platform"].delete_many([_HOST_KEY.format(h) for h in hostnames])


def forget_host(*, hostname: str) -> None:
    caches["platform"].delete(_HOST_KEY.format(hostname))


def cluster_list() -> QuerySet[Cluster]:
    """Every cluster (the public schema has no Cluster row of its own)."""
    return Cluster.objects.all().order_by("name")


def cluster_get_by_slug(*, slug: str) -> Cluster | None:
    return Cluster.objects.filter(schema_name=slug).first()


def cluster_primary_host(*, cluster: Cluster) -> str:
    """The primary host; uses prefetched domains (prefetch_related("domains")) when present."""
    domains = list(cluster.domains.all())
    primary = next((d for d in domains if d.is_primary), domains[0] if domains else None)
    return primary.domain if primary else f"{cluster.schema_name}.{settings.BASE_DOMAIN}"


def clusters_in_regions(*, region_codes: list[str]) -> QuerySet[Cluster]:
    """Clusters touching any of these regions (an interregional one shows in each)."""
    return Cluster.objects.filter(region_codes__overlap=region_codes).order_by("name")
