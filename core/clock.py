""" "Today" and "now" where the cluster is: the one place that turns an instant into a
cluster's calendar date (Europe/Moscow unless the cluster says otherwise)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tenants.models import Cluster


def current_cluster() -> Cluster | None:
    """The cluster whose schema the connection uses (None on the public schema)."""
    tenant = getattr(connection, "tenant", None)
    return tenant if isinstance(tenant, Cluster) else None


def cluster_tz(cluster: Cluster | None = None) -> dt.tzinfo:
    cluster = cluster or current_cluster()
    return cluster.tzinfo if cluster is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def cluster_now(cluster: Cluster | None = None, now: dt.datetime | None = None) -> dt.datetime:
    """The instant `now` (default: this moment) in the cluster's time zone."""
    return (now or timezone.now()).astimezone(cluster_tz(cluster))


def cluster_today(cluster: Cluster | None = None, now: dt.datetime | None = None) -> dt.date:
    """The date in the cluster (the current schema's when not given)."""
    return cluster_now(cluster, now).date()
