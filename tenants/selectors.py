"""Reads of clusters and their hosts (public schema)."""

from __future__ import annotations

import copy
import time

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet

from .models import Cluster, Domain

_HOST_KEY = "cluster-host:{}"
_LOCAL_MAX_HOSTS = 10_000

# hostname -> (monotonic expiry, cluster): a few seconds in front of the shared cache, so most
# requests neither ask Redis nor unpickle a Cluster. Only hosts that resolve to a cluster are
# kept (a just-created cluster is never answered 404 from here). A change made in this process
# forgets its entries at once (forget_*); other processes see it when their entry expires
# (settings.CLUSTER_HOST_LOCAL_SECONDS).
_local: dict[str, tuple[float, Cluster]] = {}


def cluster_for_host(*, hostname: str) -> Cluster | None:
    """The cluster served on this host name, or None. Cached (services invalidate): in this
    process for CLUSTER_HOST_LOCAL_SECONDS, in the shared cache for CLUSTER_HOST_CACHE_SECONDS.
    Each call returns its own copy (requests may set attributes on it)."""
    now = time.monotonic()
    hit = _local.get(hostname)
    if hit is not None and hit[0] > now:
        return copy.copy(hit[1])
    cache = caches["platform"]
    key = _HOST_KEY.format(hostname)
    cached = cache.get(key)
    if cached is None:
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        cached = domain.tenant if domain else False
        cache.set(key, cached, settings.CLUSTER_HOST_CACHE_SECONDS)
    seconds = settings.CLUSTER_HOST_LOCAL_SECONDS
    if cached and seconds > 0:
        if len(_local) >= _LOCAL_MAX_HOSTS:
            _local.clear()
        _local[hostname] = (now + seconds, copy.copy(cached))
    return cached or None


def forget_cluster_hosts(*, cluster: Cluster) -> None:
    """Drop cached host resolutions of a cluster (after any change to it)."""
    hostnames = list(Domain.objects.filter(tenant=cluster).values_list("domain", flat=True))
    for hostname, (_, known) in list(_local.items()):
        if known.pk == cluster.pk:
            _local.pop(hostname, None)
    for hostname in hostnames:
        _local.pop(hostname, None)
    caches["platform"].delete_many([_HOST_KEY.format(h) for h in hostnames])


def forget_host(*, hostname: str) -> None:
    _local.pop(hostname, None)
    caches["platform"].delete(_HOST_KEY.format(hostname))


def forget_hosts_in_this_process() -> None:
    """Empty this process's host cache (tests, after they change clusters behind the services)."""
    _local.clear()


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
