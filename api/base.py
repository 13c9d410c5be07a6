"""One base for cluster API views and one for platform (public host) views.

Subclasses set roles; they don't re-implement authentication or host checks.
"""

from __future__ import annotations

from typing import Any

from rest_framework import generics, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from core.accounts.access import MemberAccess, member_access
from core.audit.services import Actor

from .permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS, HasClusterRole, OnClusterHost, OnPublicHost


class ClusterAPIMixin:
    """Runs only on a cluster host, for users holding a role in that cluster."""

    permission_classes: Any = [IsAuthenticated, OnClusterHost, HasClusterRole]
    read_roles: frozenset[str] = ANY_CLUSTER_ROLE
    write_roles: frozenset[str] = CLUSTER_MANAGERS


class ClusterGenericAPIView(ClusterAPIMixin, generics.GenericAPIView):
    pass


class ClusterViewSet(ClusterAPIMixin, viewsets.GenericViewSet):
    """Helpers every cluster view set needs: who acts, what they may see, validated input."""

    def access(self) -> MemberAccess:
        """The requesting user's access in this cluster, once per request."""
        cached = getattr(self.request, "_member_access", None)
        if cached is None:
            cached = member_access(user=self.request.user, cluster=getattr(self.request, "cluster", None))
            self.request._member_access = cached  # type: ignore[attr-defined]
        return cached

    def actor(self) -> Actor:
        return Actor.from_request(self.request)

    def input(self, serializer_class: type[serializers.Serializer], *, partial: bool = False) -> dict[str, Any]:
        data = serializer_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


class PlatformAPIMixin:
    """Runs only on the public host; subclasses add who may call it."""

    permission_classes: Any = [IsAuthenticated, OnPublicHost]
