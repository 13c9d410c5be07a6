"""The user's API tokens (both kinds of host) and, on a cluster host, its staff's tokens for
the cluster's admins: list with last use, revoke."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from core.accounts.models import ApiToken, Grant, User
from core.accounts.selectors import (
    api_token_of,
    api_token_of_cluster_staff,
    api_tokens_of,
    api_tokens_of_cluster_staff,
)
from core.accounts.services import api_token_revoke
from core.audit.services import Actor


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Этот запрос подписан этим токеном.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "host", "created_at", "expires_at", "last_used_at", "current"]

    def get_current(self, token: ApiToken) -> bool:
        return bool(self.context["request"].auth == token.pk)


class StaffTokenSerializer(serializers.ModelSerializer):
    user_email = serializers.EmailField(source="user.email")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "host", "user_email", "created_at", "expires_at", "last_used_at"]


class OwnTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """GET /api/v1/auth/tokens/ and DELETE /api/v1/auth/tokens/{id}/: the caller's live tokens."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_tokens_of(cast(User, self.request.user))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        token = api_token_of(cast(User, request.user), int(pk))
        if token is None:
            raise Http404
        api_token_revoke(token=token, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffTokenViewSet(mixins.ListModelMixin, ClusterViewSet):
    """GET /api/v1/staff-tokens/, DELETE /api/v1/staff-tokens/{id}/: cluster admins only."""

    serializer_class = StaffTokenSerializer
    lookup_value_regex = r"\d+"
    read_roles = frozenset({Grant.Role.CLUSTER_ADMIN})
    write_roles = frozenset({Grant.Role.CLUSTER_ADMIN})

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_tokens_of_cluster_staff(self.cluster)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        token = api_token_of_cluster_staff(self.cluster, int(pk))
        if token is None:
            raise Http404
        api_token_revoke(token=token, actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)
