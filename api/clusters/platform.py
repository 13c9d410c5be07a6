"""Clusters on the public host, for platform admins: GET /api/v1/clusters/ (every cluster with
its status) and POST (a new cluster «в подготовке»; its first admin gets an invitation letter)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import PlatformAPIMixin
from api.permissions import IsPlatformAdmin
from core.audit.services import Actor
from tenants.models import Cluster
from tenants.onboarding.services import cluster_create
from tenants.selectors import cluster_list

from .serializers import ClusterCardSerializer, ClusterCreateInputSerializer


class PlatformClusterViewSet(PlatformAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes: Any = [*PlatformAPIMixin.permission_classes, IsPlatformAdmin]
    serializer_class = ClusterCardSerializer
    filter_backends: Any = []

    def get_queryset(self) -> QuerySet[Cluster]:
        return cluster_list().prefetch_related("domains")

    @extend_schema(request=ClusterCreateInputSerializer, responses={201: ClusterCardSerializer})
    def create(self, request: Request) -> Response:
        data = ClusterCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cluster = cluster_create(
            actor=Actor.from_request(request),
            scheme=request.scheme or "https",
            port=request.get_port(),
            **dict(data.validated_data),
        )
        return Response(ClusterCardSerializer(cluster).data, status=status.HTTP_201_CREATED)
