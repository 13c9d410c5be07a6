"""One base for cluster API views and one for platform (public host) views.

Subclasses set roles; they don't re-implement authentication or host checks.
"""

from __future__ import annotations

from typing import Any

from rest_framework import generics, viewsets
from rest_framework.permissions import IsAuthenticated

from .permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS, HasClusterRole, OnClusterHost, OnPublicHost


class ClusterAPIMixin:
    """Runs only on a cluster host, for users holding a role in that cluster."""

    permission_classes: Any = [IsAuthenticated, OnClusterHost, HasClusterRole]
    read_roles: frozenset[str] = ANY_CLUSTER_ROLE
    write_roles: frozenset[str] = CLUSTER_MANAGERS


class ClusterGenericAPIView(ClusterAPIMixin, generics.GenericAPIView):
    pass


class ClusterViewSet(ClusterAPIMixin, viewsets.GenericViewSet):
    pass


class PlatformAPIMixin:
    """Runs only on the public host; subclasses add who may call it."""

    permission_classes: Any = [IsAuthenticated, OnPublicHost]
