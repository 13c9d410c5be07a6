"""/api/v1/news/: the cluster's news (managers write; any cluster role reads)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.accounts.selectors import user_has_cluster_role
from tenants.content.models import News
from tenants.content.selectors import news_list
from tenants.content.services import news_create

from .base import ClusterViewSet
from .permissions import CLUSTER_MANAGERS


class NewsOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = News
        fields = ["id", "title", "body", "is_published", "published_at", "created_at"]


class NewsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    serializer_class = NewsOutputSerializer
    search_fields = ["title", "body"]
    ordering_fields = ["published_at", "title", "id"]
    filterset_fields = ["is_published"]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(label="Заголовок", max_length=300)
        body = serializers.CharField(label="Текст", required=False, allow_blank=True, default="")
        publish = serializers.BooleanField(label="Опубликовать", default=True)

    def get_queryset(self):
        managers = user_has_cluster_role(self.request.user, self.request.cluster, set(CLUSTER_MANAGERS))  # type: ignore[attr-defined]
        return news_list(published_only=not managers)

    @extend_schema(request=InputSerializer, responses={201: NewsOutputSerializer})
    def create(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        news = news_create(**data.validated_data)
        return Response(NewsOutputSerializer(news).data, status=status.HTTP_201_CREATED)
