"""/api/v1/bodies/ and officers/: the cluster's governance bodies and officers."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.clock import cluster_today
from tenants.governance import services
from tenants.governance.models import (
    Body,
    Officer,
)
from tenants.governance.selectors import (
    body_list,
    officer_list,
    officers_current,
)
from tenants.members.models import Company

from .base import GovernanceViewSet

# --- bodies -----------------------------------------------------------------------------


class BodyOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    quorum_rule_display = serializers.CharField(source="get_quorum_rule_display", read_only=True)

    class Meta:
        model = Body
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "quorum_rule",
            "quorum_rule_display",
            "quorum_fixed_count",
        ]


class BodyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид", choices=Body.Kind.choices)
    name = serializers.CharField(label="Наименование", max_length=200)
    quorum_rule = serializers.ChoiceField(
        label="Правило кворума", choices=Body.Quorum.choices, default=Body.Quorum.MAJORITY
    )
    quorum_fixed_count = serializers.IntegerField(
        label="Кворум, число участников", min_value=1, required=False, allow_null=True, default=None
    )


class BodyViewSet(GovernanceViewSet):
    serializer_class = BodyOutputSerializer
    search_fields = ["name"]
    ordering_fields = ["kind", "name", "id"]
    filterset_fields = ["kind"]

    def get_queryset(self) -> QuerySet[Body]:
        return body_list()

    @extend_schema(request=BodyInputSerializer, responses={201: BodyOutputSerializer})
    def create(self, request: Request) -> Response:
        body = services.body_create(actor=self.actor(), **self.input(BodyInputSerializer))
        return Response(BodyOutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BodyInputSerializer, responses={200: BodyOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(BodyInputSerializer, partial=True)
        body = services.body_update(body=self.get_object(), actor=self.actor(), **fields)
        return Response(BodyOutputSerializer(body).data)

    def delete_object(self, obj: Body) -> None:
        services.body_delete(body=obj, actor=self.actor())


# --- officers ---------------------------------------------------------------------------


class OfficerOutputSerializer(serializers.ModelSerializer):
    body_name = serializers.CharField(source="body.name", default="", read_only=True)
    company_name = serializers.CharField(source="company.short_name", default="", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Officer
        fields = [
            "id",
            "title",
            "person_name",
            "body",
            "body_name",
            "company",
            "company_name",
            "term_start",
            "term_end",
            "is_current",
        ]

    def get_is_current(self, officer: Officer) -> bool:
        today = self.context["today"]
        return officer.term_start <= today and (officer.term_end is None or officer.term_end >= today)


class OfficerInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Должность", max_length=200)
    person_name = serializers.CharField(label="ФИО", max_length=200)
    body = serializers.PrimaryKeyRelatedField(
        label="Орган управления", queryset=Body.objects.all(), required=False, allow_null=True, default=None
    )
    company = serializers.PrimaryKeyRelatedField(
        label="Организация", queryset=Company.objects.all(), required=False, allow_null=True, default=None
    )
    term_start = serializers.DateField(label="Начало полномочий")
    term_end = serializers.DateField(
        label="Окончание полномочий", required=False, allow_null=True, default=None
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "current",
                OpenApiTypes.BOOL,
                description="Только действующие на сегодня (в часовом поясе кластера)",
            )
        ]
    )
)
class OfficerViewSet(GovernanceViewSet):
    serializer_class = OfficerOutputSerializer
    search_fields = ["title", "person_name"]
    ordering_fields = ["term_start", "title", "person_name", "id"]
    filterset_fields = ["body"]

    def today(self) -> Any:
        return cluster_today()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": self.today()}

    def get_queryset(self) -> QuerySet[Officer]:
        if self.request.query_params.get("current") in {"1", "true", "True"}:
            return officers_current(today=self.today())
        return officer_list()

    def _out(self, officer: Officer) -> dict[str, Any]:
        return OfficerOutputSerializer(officer, context=self.get_serializer_context()).data

    @extend_schema(request=OfficerInputSerializer, responses={201: OfficerOutputSerializer})
    def create(self, request: Request) -> Response:
        officer = services.officer_create(actor=self.actor(), **self.input(OfficerInputSerializer))
        return Response(self._out(officer), status=status.HTTP_201_CREATED)

    @extend_schema(request=OfficerInputSerializer, responses={200: OfficerOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(OfficerInputSerializer, partial=True)
        officer = services.officer_update(officer=self.get_object(), actor=self.actor(), **fields)
        return Response(self._out(officer))

    def delete_object(self, obj: Officer) -> None:
        services.officer_delete(officer=obj, actor=self.actor())
