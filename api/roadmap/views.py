"""/api/v1/roadmaps/: the cluster's roadmaps, their items, import (upload -> preview -> confirm),
approval and versions.

Every role of the cluster reads; cluster admins and staff write. Another cluster's roadmap
answers 404, as a missing one does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS
from api.roadmap.lookups import roadmap_or_404
from core.audit.services import Actor
from tenants.governance.models import Decision
from tenants.roadmap import selectors, services
from tenants.roadmap.models import Executor, Item, Roadmap, RoadmapImport


class ExecutorSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    company_name = serializers.CharField(
        source="company.short_name", default=None, allow_null=True, read_only=True
    )
    committee_name = serializers.CharField(
        source="committee.name", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Executor
        fields = [
            "name",
            "kind",
            "kind_display",
            "user_id",
            "company_id",
            "company_name",
            "committee_id",
            "committee_name",
        ]


class ItemSerializer(serializers.ModelSerializer):
    section = serializers.CharField(source="section.number", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    executors = ExecutorSerializer(many=True, read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "section",
            "number",
            "title",
            "executors_text",
            "executors",
            "deadline_text",
            "deadline_kind",
            "deadline_start",
            "deadline_end",
            "deadline_recurrence",
            "expected_result",
            "actual_result",
            "status",
            "status_display",
            "comments",
            "updated_at",
        ]


class ItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Наименование мероприятия", required=False)
    executors_text = serializers.CharField(
        label="Ответственные исполнители", required=False, allow_blank=True
    )
    deadline_text = serializers.CharField(
        label="Сроки исполнения", max_length=300, required=False, allow_blank=True
    )
    expected_result = serializers.CharField(label="Ожидаемый результат", required=False, allow_blank=True)
    status = serializers.ChoiceField(label="Статус", choices=Item.Status.choices, required=False)
    actual_result = serializers.CharField(label="Результат", required=False, allow_blank=True)
    comments = serializers.CharField(label="Комментарии", required=False, allow_blank=True)


class RoadmapSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    approved_by = serializers.SerializerMethodField()
    item_count = serializers.IntegerField(read_only=True, default=None)
    done_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "title",
            "period_start",
            "period_end",
            "status",
            "status_display",
            "version",
            "previous_id",
            "approved_by",
            "source_name",
            "item_count",
            "done_count",
            "created_at",
        ]

    def get_approved_by(self, roadmap: Roadmap) -> dict[str, Any] | None:
        decision = roadmap.approved_by
        if decision is None:
            return None
        return {
            "id": decision.pk,
            "number": decision.number,
            "text": decision.text,
            "meeting": str(decision.meeting),
            "held_at": decision.meeting.held_at,
        }


class RoadmapDetailSerializer(RoadmapSerializer):
    sections = serializers.SerializerMethodField()
    status_counts = serializers.SerializerMethodField()

    class Meta(RoadmapSerializer.Meta):
        fields = [*RoadmapSerializer.Meta.fields, "sections", "status_counts"]

    def get_sections(self, roadmap: Roadmap) -> list[dict[str, Any]]:
        return [
            {"id": s.pk, "number": s.number, "title": s.title}
            for s in selectors.roadmap_sections(roadmap=roadmap)
        ]

    def get_status_counts(self, roadmap: Roadmap) -> dict[str, int]:
        return selectors.status_counts(roadmap=roadmap)


class RoadmapInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Название", max_length=500)
    period_start = serializers.DateField(label="Действует с")
    period_end = serializers.DateField(label="Действует по")


class ApproveInputSerializer(serializers.Serializer):
    decision = serializers.PrimaryKeyRelatedField(
        label="Решение общего собрания", queryset=Decision.objects.all()
    )


@extend_schema_serializer(component_name="RoadmapImportInput")
class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(label="Файл (.txt, .xlsx, .docx)")
    title = serializers.CharField(label="Название", max_length=500, required=False, allow_blank=True)
    period_start = serializers.DateField(label="Действует с", required=False, allow_null=True)
    period_end = serializers.DateField(label="Действует по", required=False, allow_null=True)
    replaces = serializers.PrimaryKeyRelatedField(
        label="Новая версия карты", queryset=Roadmap.objects.all(), required=False, allow_null=True
    )


class ImportSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    roadmap_id = serializers.IntegerField(read_only=True, allow_null=True)
    replaces_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = RoadmapImport
        fields = [
            "id",
            "source_name",
            "title",
            "period_start",
            "period_end",
            "status",
            "status_display",
            "roadmap_id",
            "replaces_id",
            "parsed",
            "created_at",
        ]


class RoadmapViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    read_roles = ANY_CLUSTER_ROLE
    write_roles = CLUSTER_MANAGERS
    lookup_value_regex = r"\d+"
    search_fields = ["title"]
    ordering_fields = ["period_start", "title", "version", "created_at", "id"]
    ordering = ["-period_start", "-version", "-id"]
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Roadmap]:
        return selectors.roadmap_list()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return RoadmapDetailSerializer if self.action == "retrieve" else RoadmapSerializer

    def out(self, roadmap: Roadmap, code: int = status.HTTP_200_OK) -> Response:
        return Response(RoadmapDetailSerializer(self.get_queryset().get(pk=roadmap.pk)).data, status=code)

    @extend_schema(request=RoadmapInputSerializer, responses={201: RoadmapDetailSerializer})
    def create(self, request: Request) -> Response:
        return self.out(
            services.roadmap_create(actor=self.actor(), **self.input(RoadmapInputSerializer)),
            status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=RoadmapInputSerializer,
        responses={200: RoadmapDetailSerializer},
        description="Только черновик; утверждённую карту меняют новой версией.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        roadmap = self.get_object()
        fields = {
            "title": roadmap.title,
            "period_start": roadmap.period_start,
            "period_end": roadmap.period_end,
            **self.input(RoadmapInputSerializer, partial=True),
        }
        return self.out(services.roadmap_update(actor=self.actor(), roadmap=roadmap, **fields))

    @extend_schema(responses={204: None}, description="Удаляется только черновик.")
    def destroy(self, request: Request, pk: str) -> Response:
        services.roadmap_delete(actor=self.actor(), roadmap=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ApproveInputSerializer,
        responses={200: RoadmapDetailSerializer},
        description="Утверждение принятым решением общего собрания вида «Утверждение дорожной карты». "
        "Предыдущая утверждённая версия закрывается и остаётся доступной для чтения.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        roadmap = self.get_object()
        decision = self.input(ApproveInputSerializer)["decision"]
        return self.out(services.roadmap_approve(actor=self.actor(), roadmap=roadmap, decision=decision))

    @extend_schema(
        request=None,
        responses={201: RoadmapDetailSerializer},
        description="Черновик следующей версии: копия разделов, мероприятий и хода исполнения.",
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: str) -> Response:
        return self.out(
            services.roadmap_new_version(actor=self.actor(), roadmap=self.get_object()),
            status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: RoadmapDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self.out(services.roadmap_close(actor=self.actor(), roadmap=self.get_object()))


class RoadmapItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    """/api/v1/roadmaps/{roadmap_id}/items/: ?status=, ?section=<id>, ?search=, ?ordering=number|deadline|status."""

    serializer_class = ItemSerializer
    read_roles = ANY_CLUSTER_ROLE
    write_roles = CLUSTER_MANAGERS
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []  # the selector filters and orders

    def roadmap(self) -> Roadmap:
        cached = getattr(self, "_roadmap", None)
        if cached is None:
            cached = self._roadmap = roadmap_or_404(int(self.kwargs["roadmap_id"]))
        return cached

    def get_queryset(self) -> QuerySet[Item]:
        params = self.request.query_params
        section = params.get("section", "")
        return selectors.roadmap_items(
            roadmap=self.roadmap(),
            query=params.get("search", "").strip(),
            status=params.get("status", ""),
            section_id=int(section) if section.isdigit() else None,
            ordering=params.get("ordering", ""),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Item.Status.values),
            OpenApiParameter("section", int),
            OpenApiParameter("search", str),
            OpenApiParameter(
                "ordering", str, enum=["number", "-number", "deadline", "-deadline", "status", "-status"]
            ),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ItemInputSerializer,
        responses={200: ItemSerializer},
        description="Ход исполнения (статус, результат, комментарии) — пока карта не закрыта; план "
        "(наименование, исполнители, срок, ожидаемый результат) — только в черновике.",
    )
    def partial_update(self, request: Request, roadmap_id: str, pk: str) -> Response:
        item = self.get_object()
        data = ItemInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.item_update(actor=Actor.from_request(request), item=item, **data.validated_data)
        return Response(ItemSerializer(self.get_queryset().get(pk=item.pk)).data)


class RoadmapImportViewSet(mixins.RetrieveModelMixin, ClusterViewSet):
    """Upload a table (POST, multipart) -> the preview (what would be created, with warnings);
    POST {id}/confirm/ creates the roadmap, all or nothing."""

    serializer_class = ImportSerializer
    read_roles = CLUSTER_MANAGERS
    write_roles = CLUSTER_MANAGERS
    lookup_value_regex = r"\d+"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[RoadmapImport]:
        return RoadmapImport.objects.all()

    @extend_schema(request={"multipart/form-data": ImportInputSerializer}, responses={201: ImportSerializer})
    def create(self, request: Request) -> Response:
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        upload = fields.pop("file")
        preview = services.roadmap_import_preview(
            actor=Actor.from_request(request), data=upload, filename=upload.name or "file", **fields
        )
        return Response(ImportSerializer(preview).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: RoadmapDetailSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        roadmap = services.roadmap_import_confirm(actor=Actor.from_request(request), upload=self.get_object())
        return Response(
            RoadmapDetailSerializer(selectors.roadmap_list().get(pk=roadmap.pk)).data,
            status=status.HTTP_201_CREATED,
        )
