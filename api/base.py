"""One base for cluster API views and one for platform (public host) views.

Subclasses set roles; they don't re-implement authentication or host checks.
"""

from __future__ import annotations

from typing import Any, cast

from rest_framework import generics, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from core.accounts.access import MemberAccess, member_access
from core.audit.services import Actor
from tenants.http import ClusterHttpRequest
from tenants.models import Cluster

from .permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS, HasClusterRole, OnClusterHost, OnPublicHost


class ClusterAPIMixin(APIView):
    """Runs only on a cluster host, for users holding a role in that cluster.

    `self.cluster` is this request's cluster, typed (OnClusterHost guarantees it is set), so
    views never read `request.cluster` themselves. Not available while drf-spectacular builds
    the schema (`swagger_fake_view`): there is no cluster then.
    """

    permission_classes: Any = [IsAuthenticated, OnClusterHost, HasClusterRole]
    read_roles: frozenset[str] = ANY_CLUSTER_ROLE
    write_roles: frozenset[str] = CLUSTER_MANAGERS

    @property
    def cluster(self) -> Cluster:
        return cast(ClusterHttpRequest, self.request._request).cluster


class ClusterGenericAPIView(ClusterAPIMixin, generics.GenericAPIView):
    pass


class ClusterViewSet(ClusterAPIMixin, viewsets.GenericViewSet):
    """Helpers every cluster view set needs: who acts, what they may see, validated input."""

    _access: MemberAccess | None = None

    def access(self) -> MemberAccess:
        """The requesting user's access in this cluster, once per request (a view instance
        serves one request)."""
        if self._access is None:
            self._access = member_access(user=self.request.user, cluster=self.cluster)
        return self._access

    def actor(self) -> Actor:
        return Actor.from_request(self.request)

    def input(
        self, serializer_class: type[serializers.Serializer], *, partial: bool = False
    ) -> dict[str, Any]:
        data = serializer_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


class PlatformAPIMixin:
    """Runs only on the public host; subclasses add who may call it."""

    permission_classes: Any = [IsAuthenticated, OnPublicHost]
