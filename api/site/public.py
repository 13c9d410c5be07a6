"""/api/v1/public/…: the cluster's public site, read-only and open to anyone on the cluster's host.

directory/ lists admitted and active members with only the fields each company opted to
publish; products/ is the catalogue of their published products; events/ the public events.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets

from api.permissions import ClusterIsOpen, OnClusterHost
from tenants.content.directory import (
    DIRECTORY_STATUSES,
    catalogue_products,
    directory_companies,
    public_company,
)
from tenants.events.models import Event, Participation
from tenants.events.selectors import event_list
from tenants.members.models import Company, Product

PUBLIC_TAG = "public"


class PublicAPIMixin:
    """Anonymous and read-only; still only on a cluster host (the host picks the schema)."""

    authentication_classes: Any = []
    permission_classes: Any = [OnClusterHost, ClusterIsOpen]
    lookup_value_regex = r"\d+"


class PublicFieldSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Поле из Company.PUBLISHABLE_FIELDS")
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.JSONField(help_text="Значение как хранится: строка, список строк или логическое")
    display = serializers.CharField(help_text="Значение для показа")


class PublicProductBriefSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "kind", "kind_display", "registration_number", "in_innovation_registry"]


class PublicCompanySerializer(serializers.Serializer):
    """A company as the public sees it: built from tenants.content.directory.public_company."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Company.Kind.choices)
    kind_display = serializers.CharField()
    published = PublicFieldSerializer(source="fields", many=True)

    def to_representation(self, instance: Company) -> dict[str, Any]:
        return super().to_representation(public_company(instance))


class PublicCompanyDetailSerializer(PublicCompanySerializer):
    products = serializers.SerializerMethodField()

    @extend_schema_field(PublicProductBriefSerializer(many=True))
    def get_products(self, card: Any) -> Any:
        return PublicProductBriefSerializer(self.context["products"], many=True).data


@extend_schema(tags=[PUBLIC_TAG])
class PublicDirectoryViewSet(
    PublicAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Участники кластера (принятые и действующие): только опубликованные ими сведения. Доступно без входа."""

    serializer_class = PublicCompanySerializer
    search_fields = ["short_name", "full_name"]
    ordering_fields = ["short_name", "kind"]
    filterset_fields = ["kind"]

    def get_queryset(self) -> QuerySet[Company]:
        return directory_companies()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return PublicCompanyDetailSerializer if self.action == "retrieve" else PublicCompanySerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.action == "retrieve":
            context["products"] = catalogue_products(company_id=int(self.kwargs["pk"]))
        return context


class PublicProductCompanySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="short_name")


class PublicProductSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    company = PublicProductCompanySerializer(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "description",
            "registration_number",
            "in_innovation_registry",
            "innovation_registry_date",
            "company",
        ]


@extend_schema(tags=[PUBLIC_TAG])
class PublicProductViewSet(
    PublicAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Каталог продукции участников кластера (только опубликованная продукция). Доступно без входа."""

    serializer_class = PublicProductSerializer
    search_fields = ["name", "description", "registration_number", "company__short_name"]
    ordering_fields = ["name", "innovation_registry_date"]
    filterset_fields = ["kind", "in_innovation_registry", "company"]

    def get_queryset(self) -> QuerySet[Product]:
        return catalogue_products()


class PublicParticipantSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.short_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Participation
        fields = ["company", "company_name", "role", "role_display"]


class PublicEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    participants = PublicParticipantSerializer(source="public_participations", many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "kind_display",
            "title",
            "starts_on",
            "ends_on",
            "place",
            "organizer",
            "description",
            "has_joint_stand",
            "participants",
        ]


@extend_schema(tags=[PUBLIC_TAG])
class PublicEventViewSet(
    PublicAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Публичные мероприятия кластера и участники кластера на них. Доступно без входа."""

    serializer_class = PublicEventSerializer
    search_fields = ["title", "place", "organizer"]
    ordering_fields = ["starts_on", "title"]
    filterset_fields = {"kind": ["exact"], "starts_on": ["gte", "lte"], "ends_on": ["gte", "lte"]}

    def get_queryset(self) -> QuerySet[Event]:
        participants = (
            Participation.objects.filter(company__status__in=DIRECTORY_STATUSES)
            .select_related("company")
            .only("event_id", "company_id", "role", "company__short_name")
        )
        return event_list(public_only=True).prefetch_related(
            Prefetch("participations", queryset=participants, to_attr="public_participations")
        )
