"""Typed requests: what ClusterRoutingMiddleware and authentication put on a request.

Views on a cluster host take `ClusterHttpRequest` (its `cluster` is set, never None there);
views on the public host take `PlatformHttpRequest`. Neither adds behaviour: they only tell
the type checker what the middleware guarantees, so no view needs `# type: ignore` for it.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from core.accounts.models import User

from .models import Cluster


class ClusterHttpRequest(HttpRequest):
    cluster: Cluster
    tenant: Cluster
    user: User | AnonymousUser


class PlatformHttpRequest(HttpRequest):
    cluster: None
    user: User | AnonymousUser
