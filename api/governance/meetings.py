"""/api/v1/meetings/: meetings of the governance bodies, agenda, attendance, decisions, protocol."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from tenants.governance import services
from tenants.governance.models import (
    AgendaItem,
    Attendance,
    Body,
    Decision,
    Meeting,
)
from tenants.governance.protocol import CONTENT_TYPES, protocol_file
from tenants.governance.quorum import ADOPTION_RULE
from tenants.governance.selectors import (
    meeting_detail,
    meeting_quorum,
)
from tenants.members.models import Company

from .base import GovernanceViewSet
from .voting import MeetingVotingActions

# --- meetings ---------------------------------------------------------------------------


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "number", "title"]


class AttendanceSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.short_name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "company", "company_name", "present", "representative_name"]


class DecisionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    subject_company_name = serializers.CharField(
        source="subject_company.short_name", default="", read_only=True
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "text",
            "agenda_item",
            "subject_company",
            "subject_company_name",
            "votes_for",
            "votes_against",
            "votes_abstained",
            "adopted",
            "majority_rule",
        ]


QUORUM_SCHEMA = {
    "type": "object",
    "properties": {
        "rule": {"type": "string"},
        "total": {"type": "integer", "description": "Участников с правом голоса на дату заседания"},
        "present": {"type": "integer", "description": "Из них присутствовали"},
        "required": {"type": "integer", "description": "Нужно для кворума"},
        "reached": {"type": "boolean"},
        "label": {"type": "string"},
    },
}


class MeetingOutputSerializer(serializers.ModelSerializer):
    body_name = serializers.CharField(source="body.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    agenda = AgendaItemSerializer(source="agenda_items", many=True, read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "body",
            "body_name",
            "number",
            "held_at",
            "place",
            "status",
            "status_display",
            "chair_name",
            "secretary_name",
            "notes",
            "agenda",
            "attendance",
            "decisions",
            "form",
            "published_at",
            "deadline",
            "record_date",
            "late_notice_reason",
            "counter_name",
            "voting_status",
            "voting_closed_at",
        ]


class MeetingDetailSerializer(MeetingOutputSerializer):
    quorum = serializers.SerializerMethodField()
    adoption_rule = serializers.SerializerMethodField()
    protocol = serializers.SerializerMethodField()

    class Meta(MeetingOutputSerializer.Meta):
        fields = [*MeetingOutputSerializer.Meta.fields, "quorum", "adoption_rule", "protocol"]

    @extend_schema_field(QUORUM_SCHEMA)
    def get_quorum(self, meeting: Meeting) -> dict[str, Any]:
        quorum = meeting_quorum(meeting=meeting)
        return {
            "rule": quorum.rule,
            "total": quorum.total,
            "present": quorum.present,
            "required": quorum.required,
            "reached": quorum.reached,
            "label": quorum.label,
        }

    def get_adoption_rule(self, meeting: Meeting) -> str:
        return str(ADOPTION_RULE)

    @extend_schema_field(
        {"type": "object", "properties": {"docx": {"type": "string"}, "pdf": {"type": "string"}}}
    )
    def get_protocol(self, meeting: Meeting) -> dict[str, str]:
        url = reverse("api:meeting-protocol", kwargs={"pk": meeting.pk})
        return {"docx": f"{url}?format=docx", "pdf": f"{url}?format=pdf"}


class MeetingInputSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(label="Орган управления", queryset=Body.objects.all())
    number = serializers.CharField(
        label="Номер протокола", max_length=30, required=False, allow_blank=True, default=""
    )
    held_at = serializers.DateTimeField(label="Дата и время")
    place = serializers.CharField(label="Место", max_length=300, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        label="Состояние", choices=Meeting.Status.choices, default=Meeting.Status.PLANNED
    )
    chair_name = serializers.CharField(
        label="Председательствующий", max_length=200, required=False, allow_blank=True, default=""
    )
    secretary_name = serializers.CharField(
        label="Секретарь", max_length=200, required=False, allow_blank=True, default=""
    )
    notes = serializers.CharField(label="Примечания", required=False, allow_blank=True, default="")
    form = serializers.ChoiceField(
        label="Форма проведения", choices=Meeting.Form.choices, default=Meeting.Form.IN_PERSON
    )
    counter_name = serializers.CharField(
        label="Подсчёт голосов провёл", max_length=200, required=False, allow_blank=True, default=""
    )


class MeetingCreateSerializer(MeetingInputSerializer):
    agenda = serializers.ListField(
        label="Повестка дня", child=serializers.CharField(), required=False, default=list
    )


class AgendaItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Вопрос повестки")
    number = serializers.IntegerField(label="№", min_value=1, required=False, allow_null=True, default=None)


class AttendanceRowSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(label="Организация", queryset=Company.objects.all())
    present = serializers.BooleanField(label="Присутствовал")
    representative_name = serializers.CharField(
        label="Представитель", max_length=200, required=False, allow_blank=True, default=""
    )


class AttendanceInputSerializer(serializers.Serializer):
    rows = AttendanceRowSerializer(many=True, allow_empty=False)


@extend_schema_serializer(component_name="MeetingDecisionInput")
class DecisionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид", choices=Decision.Kind.choices, default=Decision.Kind.OTHER)
    text = serializers.CharField(label="Формулировка решения")
    votes_for = serializers.IntegerField(label="За", min_value=0)
    votes_against = serializers.IntegerField(label="Против", min_value=0, default=0)
    votes_abstained = serializers.IntegerField(label="Воздержались", min_value=0, default=0)
    agenda_item = serializers.PrimaryKeyRelatedField(
        label="Вопрос повестки",
        queryset=AgendaItem.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    subject_company = serializers.PrimaryKeyRelatedField(
        label="Организация (для приёма)",
        queryset=Company.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    number = serializers.IntegerField(label="№", min_value=1, required=False, allow_null=True, default=None)


class DecisionsInputSerializer(serializers.Serializer):
    decisions = DecisionInputSerializer(many=True, allow_empty=False)


class ProtocolNegotiation(DefaultContentNegotiation):
    """?format= names the protocol's file type here, not a DRF renderer: answer errors in JSON."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


@extend_schema_view(retrieve=extend_schema(responses={200: MeetingDetailSerializer}))
class MeetingViewSet(MeetingVotingActions, GovernanceViewSet):
    serializer_class = MeetingOutputSerializer
    search_fields = ["number", "place", "body__name", "agenda_items__title"]
    ordering_fields = ["held_at", "number", "id"]
    filterset_fields = ["body", "status"]

    def get_queryset(self) -> QuerySet[Meeting]:
        return meeting_detail()

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingOutputSerializer

    def _out(self, meeting: Meeting, code: int = status.HTTP_200_OK) -> Response:
        fresh = meeting_detail().get(pk=meeting.pk)
        return Response(
            MeetingDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingDetailSerializer})
    def create(self, request: Request) -> Response:
        meeting = services.meeting_create(actor=self.actor(), **self.input(MeetingCreateSerializer))
        return self._out(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingInputSerializer, responses={200: MeetingDetailSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(MeetingInputSerializer, partial=True)
        meeting = services.meeting_update(meeting=self.get_object(), actor=self.actor(), **fields)
        return self._out(meeting)

    def delete_object(self, obj: Meeting) -> None:
        services.meeting_delete(meeting=obj, actor=self.actor())

    @extend_schema(request=AgendaItemInputSerializer, responses={201: AgendaItemSerializer})
    @action(detail=True, methods=["post"], url_path="agenda")
    def add_agenda_item(self, request: Request, pk: str) -> Response:
        item = services.agenda_item_add(
            meeting=self.get_object(), actor=self.actor(), **self.input(AgendaItemInputSerializer)
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"agenda/(?P<item_id>\d+)")
    def remove_agenda_item(self, request: Request, pk: str, item_id: str) -> Response:
        item = get_object_or_404(AgendaItem, pk=item_id, meeting=self.get_object())
        services.agenda_item_delete(item=item, actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=AttendanceInputSerializer,
        responses={200: MeetingDetailSerializer},
        description="Отметить присутствие участников (все строки или ни одной).",
    )
    @action(detail=True, methods=["post"], url_path="attendance")
    def record_attendance(self, request: Request, pk: str) -> Response:
        rows = [services.AttendanceRow(**row) for row in self.input(AttendanceInputSerializer)["rows"]]
        meeting = self.get_object()
        services.meeting_record_attendance(meeting=meeting, actor=self.actor(), rows=rows)
        return self._out(meeting)

    @extend_schema(
        request=DecisionsInputSerializer,
        responses={201: MeetingDetailSerializer},
        description="Записать решения и итоги голосования (все или ни одного). " + str(ADOPTION_RULE),
    )
    @action(detail=True, methods=["post"], url_path="decisions")
    def record_decisions(self, request: Request, pk: str) -> Response:
        items = [services.DecisionInput(**row) for row in self.input(DecisionsInputSerializer)["decisions"]]
        meeting = self.get_object()
        services.meeting_record_decisions(meeting=meeting, actor=self.actor(), decisions=items)
        return self._out(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["docx", "pdf"], description="Тип файла (pdf по умолчанию)")
        ],
        responses={
            (200, CONTENT_TYPES["pdf"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["docx"]): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="Неизвестный формат"),
        },
        description="Протокол заседания на русском языке (DOCX или PDF).",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="protocol",
        renderer_classes=[JSONRenderer],
        content_negotiation_class=ProtocolNegotiation,
    )
    def protocol(self, request: Request, pk: str) -> HttpResponseBase:
        extension = request.query_params.get("format", "pdf")
        if extension not in CONTENT_TYPES:
            raise APIValidationError({"format": ["Выберите формат docx или pdf."]})
        meeting = self.get_object()
        found = protocol_file(meeting=meeting, cluster=self.cluster, extension=extension)
        response = HttpResponse(found.content, content_type=found.content_type)
        response["Content-Disposition"] = found.disposition
        return response
