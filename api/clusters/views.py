"""The cluster card: GET /api/v1/cluster/ on a cluster host (the ministry's list: api federal)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterGenericAPIView

from .serializers import ClusterCardSerializer


class CurrentClusterView(ClusterGenericAPIView):
    serializer_class = ClusterCardSerializer

    @extend_schema(responses=ClusterCardSerializer)
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(self.cluster).data)
