"""GET /api/v1/me/: the current user and grants (both kinds of host)."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.accounts.models import User
from core.accounts.selectors import user_cluster_roles, user_grants_with_clusters


class GrantSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    cluster = serializers.CharField(
        source="cluster.schema_name",
        default=None,
        allow_null=True,
        help_text="Кластер роли (null: роль платформы или министерства)",
    )
    region_codes = serializers.ListField(child=serializers.CharField())
    company_id = serializers.IntegerField(allow_null=True)


class MeView(APIView):
    @extend_schema_serializer(component_name="Me")  # not «Output»: the token view has one too
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        full_name = serializers.CharField()
        grants = GrantSerializer(many=True)
        roles_here = serializers.ListField(
            child=serializers.CharField(), help_text="Роли в кластере этого хоста (пусто на сайте платформы)."
        )

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        payload = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "grants": user_grants_with_clusters(user),
            "roles_here": sorted(user_cluster_roles(user, getattr(request, "cluster", None))),
        }
        return Response(self.OutputSerializer(payload).data)
