"""/api/v1/bodies/, officers/, committees/, meetings/: the cluster's governance.

Any cluster role reads (a representative sees committee documents only of the committees it
sits on); cluster admins and staff write. Times are in the cluster's time zone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
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
    Committee,
    CommitteeDocument,
    CommitteeMember,
    Decision,
    Meeting,
    Officer,
)
from tenants.governance.protocol import (
    CONTENT_TYPES,
    content_disposition,
    protocol_build,
    protocol_docx,
    protocol_filename,
    protocol_pdf,
)
from tenants.governance.quorum import ADOPTION_RULE
from tenants.governance.selectors import (
    body_list,
    committee_detail,
    committee_document_get,
    committees_with_documents_for,
    meeting_detail,
    meeting_quorum,
    officer_list,
    officers_current,
)
from tenants.members.models import Company

from .base import ClusterViewSet


class ClusterTimeZoneMixin:
    """Parse and print times in the cluster's time zone."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        cluster = getattr(request, "cluster", None)
        if cluster is None:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with timezone.override(cluster.tzinfo):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class GovernanceViewSet(ClusterTimeZoneMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    def destroy(self, request: Request, pk: str) -> Response:
        self.delete_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def delete_object(self, obj: Any) -> None:
        raise NotImplementedError


# --- bodies ---------------------------------------------------------------------------

class BodyOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    quorum_rule_display = serializers.CharField(source="get_quorum_rule_display", read_only=True)

    class Meta:
        model = Body
        fields = ["id", "kind", "kind_display", "name", "quorum_rule", "quorum_rule_display", "quorum_fixed_count"]


class BodyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид", choices=Body.Kind.choices)
    name = serializers.CharField(label="Наименование", max_length=200)
    quorum_rule = serializers.ChoiceField(label="Правило кворума", choices=Body.Quorum.choices,
                                          default=Body.Quorum.MAJORITY)
    quorum_fixed_count = serializers.IntegerField(label="Кворум, число участников", min_value=1,
                                                  required=False, allow_null=True, default=None)


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


# --- officers -------------------------------------------------------------------------

class OfficerOutputSerializer(serializers.ModelSerializer):
    body_name = serializers.CharField(source="body.name", default="", read_only=True)
    company_name = serializers.CharField(source="company.short_name", default="", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Officer
        fields = ["id", "title", "person_name", "body", "body_name", "company", "company_name",
                  "term_start", "term_end", "is_current"]

    def get_is_current(self, officer: Officer) -> bool:
        today = self.context["today"]
        return officer.term_start <= today and (officer.term_end is None or officer.term_end >= today)


class OfficerInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Должность", max_length=200)
    person_name = serializers.CharField(label="ФИО", max_length=200)
    body = serializers.PrimaryKeyRelatedField(label="Орган управления", queryset=Body.objects.all(),
                                              required=False, allow_null=True, default=None)
    company = serializers.PrimaryKeyRelatedField(label="Организация", queryset=Company.objects.all(),
                                                 required=False, allow_null=True, default=None)
    term_start = serializers.DateField(label="Начало полномочий")
    term_end = serializers.DateField(label="Окончание полномочий", required=False, allow_null=True, default=None)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter(
    "current", OpenApiTypes.BOOL, description="Только действующие на сегодня (в часовом поясе кластера)")]))
class OfficerViewSet(GovernanceViewSet):
    serializer_class = OfficerOutputSerializer
    search_fields = ["title", "person_name"]
    ordering_fields = ["term_start", "title", "person_name", "id"]
    filterset_fields = ["body"]

    def today(self) -> Any:
        return timezone.localdate()

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


# --- committees -----------------------------------------------------------------------

class CommitteeMemberSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    company_name = serializers.CharField(source="company.short_name", default="", read_only=True)

    class Meta:
        model = CommitteeMember
        fields = ["id", "role", "role_display", "person_name", "user", "company", "company_name"]


class CommitteeDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CommitteeDocument
        fields = ["id", "title", "original_name", "size", "uploaded_at", "download_url"]

    def get_download_url(self, document: CommitteeDocument) -> str:
        return reverse("api:committee-document", kwargs={"pk": document.committee_id, "document_id": document.pk})


class CommitteeOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    people = CommitteeMemberSerializer(many=True, read_only=True)
    documents_visible = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Committee
        fields = ["id", "kind", "kind_display", "name", "description", "plan", "is_active", "people",
                  "documents_visible", "documents"]

    def get_documents_visible(self, committee: Committee) -> bool:
        allowed = self.context["documents_for"]
        return allowed is None or committee.pk in allowed

    @extend_schema_field(CommitteeDocumentSerializer(many=True))
    def get_documents(self, committee: Committee) -> Any:
        if not self.get_documents_visible(committee):
            return []
        return CommitteeDocumentSerializer(committee.documents.all(), many=True).data


class CommitteeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид", choices=Committee.Kind.choices, default=Committee.Kind.COMMITTEE)
    name = serializers.CharField(label="Наименование", max_length=300)
    description = serializers.CharField(label="Задачи", required=False, allow_blank=True, default="")
    plan = serializers.CharField(label="План работы", required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(label="Действует", default=True)


class CommitteeMemberInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(label="Роль", choices=CommitteeMember.Role.choices,
                                   default=CommitteeMember.Role.MEMBER)
    user = serializers.IntegerField(label="Учётная запись (id)", required=False, allow_null=True, default=None)
    person_name = serializers.CharField(label="ФИО", max_length=200, required=False, allow_blank=True, default="")
    company = serializers.PrimaryKeyRelatedField(label="Организация", queryset=Company.objects.all(),
                                                 required=False, allow_null=True, default=None)


class CommitteeDocumentInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Название", max_length=300, required=False, allow_blank=True, default="")
    file = serializers.FileField(label="Файл")


class CommitteeViewSet(GovernanceViewSet):
    serializer_class = CommitteeOutputSerializer
    search_fields = ["name", "description"]
    ordering_fields = ["name", "id"]
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self) -> QuerySet[Committee]:
        return committee_detail()

    def documents_for(self) -> set[int] | None:
        return committees_with_documents_for(user=self.request.user, cluster=self.request.cluster)  # type: ignore[attr-defined]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "documents_for": self.documents_for()}

    def _out(self, committee: Committee) -> dict[str, Any]:
        fresh = committee_detail().get(pk=committee.pk)
        return CommitteeOutputSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=CommitteeInputSerializer, responses={201: CommitteeOutputSerializer})
    def create(self, request: Request) -> Response:
        committee = services.committee_create(actor=self.actor(), **self.input(CommitteeInputSerializer))
        return Response(self._out(committee), status=status.HTTP_201_CREATED)

    @extend_schema(request=CommitteeInputSerializer, responses={200: CommitteeOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(CommitteeInputSerializer, partial=True)
        committee = services.committee_update(committee=self.get_object(), actor=self.actor(), **fields)
        return Response(self._out(committee))

    def delete_object(self, obj: Committee) -> None:
        services.committee_delete(committee=obj, actor=self.actor())

    @extend_schema(request=CommitteeMemberInputSerializer, responses={201: CommitteeMemberSerializer})
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request: Request, pk: str) -> Response:
        from core.accounts.models import User

        fields = self.input(CommitteeMemberInputSerializer)
        user_id = fields.pop("user")
        user = User.objects.filter(pk=user_id).first() if user_id else None
        if user_id and user is None:
            raise APIValidationError({"user": ["Такой учётной записи нет."]})
        member = services.committee_member_add(committee=self.get_object(), actor=self.actor(), user=user, **fields)
        return Response(CommitteeMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<member_id>\d+)")
    def remove_member(self, request: Request, pk: str, member_id: str) -> Response:
        member = get_object_or_404(CommitteeMember, pk=member_id, committee=self.get_object())
        services.committee_member_remove(member=member, actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request={"multipart/form-data": CommitteeDocumentInputSerializer},
                   responses={201: CommitteeDocumentSerializer})
    @action(detail=True, methods=["post"], url_path="documents")
    def upload_document(self, request: Request, pk: str) -> Response:
        fields = self.input(CommitteeDocumentInputSerializer)
        document = services.committee_document_upload(committee=self.get_object(), actor=self.actor(), **fields)
        return Response(CommitteeDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
                   description="Файл документа (только для ролей кластера, видящих документы комитета).")
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(detail=True, methods=["get", "delete"], url_path=r"documents/(?P<document_id>\d+)",
            url_name="document")
    def document(self, request: Request, pk: str, document_id: str) -> HttpResponseBase:
        committee = self.get_object()
        document = committee_document_get(committee_id=committee.pk, document_id=int(document_id))
        allowed = self.documents_for()
        if document is None or (allowed is not None and committee.pk not in allowed):
            return Response({"detail": "Документ не найден.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
        if request.method == "DELETE":
            services.committee_document_delete(document=document, actor=self.actor())
            return Response(status=status.HTTP_204_NO_CONTENT)
        return FileResponse(document.file.open("rb"), as_attachment=True,
                            filename=document.original_name or document.title)


# --- meetings -------------------------------------------------------------------------

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
    subject_company_name = serializers.CharField(source="subject_company.short_name", default="", read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "number", "kind", "kind_display", "text", "agenda_item", "subject_company",
                  "subject_company_name", "votes_for", "votes_against", "votes_abstained", "adopted"]


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
        fields = ["id", "body", "body_name", "number", "held_at", "place", "status", "status_display",
                  "chair_name", "secretary_name", "notes", "agenda", "attendance", "decisions"]


class MeetingDetailSerializer(MeetingOutputSerializer):
    quorum = serializers.SerializerMethodField()
    adoption_rule = serializers.SerializerMethodField()
    protocol = serializers.SerializerMethodField()

    class Meta(MeetingOutputSerializer.Meta):
        fields = [*MeetingOutputSerializer.Meta.fields, "quorum", "adoption_rule", "protocol"]

    @extend_schema_field(QUORUM_SCHEMA)
    def get_quorum(self, meeting: Meeting) -> dict[str, Any]:
        quorum = meeting_quorum(meeting=meeting)
        return {"rule": quorum.rule, "total": quorum.total, "present": quorum.present,
                "required": quorum.required, "reached": quorum.reached, "label": quorum.label}

    def get_adoption_rule(self, meeting: Meeting) -> str:
        return str(ADOPTION_RULE)

    @extend_schema_field({"type": "object", "properties": {"docx": {"type": "string"}, "pdf": {"type": "string"}}})
    def get_protocol(self, meeting: Meeting) -> dict[str, str]:
        url = reverse("api:meeting-protocol", kwargs={"pk": meeting.pk})
        return {"docx": f"{url}?format=docx", "pdf": f"{url}?format=pdf"}


class MeetingInputSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(label="Орган управления", queryset=Body.objects.all())
    number = serializers.CharField(label="Номер протокола", max_length=30, required=False, allow_blank=True,
                                   default="")
    held_at = serializers.DateTimeField(label="Дата и время")
    place = serializers.CharField(label="Место", max_length=300, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(label="Состояние", choices=Meeting.Status.choices,
                                     default=Meeting.Status.PLANNED)
    chair_name = serializers.CharField(label="Председательствующий", max_length=200, required=False,
                                       allow_blank=True, default="")
    secretary_name = serializers.CharField(label="Секретарь", max_length=200, required=False, allow_blank=True,
                                           default="")
    notes = serializers.CharField(label="Примечания", required=False, allow_blank=True, default="")


class MeetingCreateSerializer(MeetingInputSerializer):
    agenda = serializers.ListField(label="Повестка дня", child=serializers.CharField(), required=False,
                                   default=list)


class AgendaItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Вопрос повестки")
    number = serializers.IntegerField(label="№", min_value=1, required=False, allow_null=True, default=None)


class AttendanceRowSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(label="Организация", queryset=Company.objects.all())
    present = serializers.BooleanField(label="Присутствовал")
    representative_name = serializers.CharField(label="Представитель", max_length=200, required=False,
                                                allow_blank=True, default="")


class AttendanceInputSerializer(serializers.Serializer):
    rows = AttendanceRowSerializer(many=True, allow_empty=False)


class DecisionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид", choices=Decision.Kind.choices, default=Decision.Kind.OTHER)
    text = serializers.CharField(label="Формулировка решения")
    votes_for = serializers.IntegerField(label="За", min_value=0)
    votes_against = serializers.IntegerField(label="Против", min_value=0, default=0)
    votes_abstained = serializers.IntegerField(label="Воздержались", min_value=0, default=0)
    agenda_item = serializers.PrimaryKeyRelatedField(label="Вопрос повестки", queryset=AgendaItem.objects.all(),
                                                     required=False, allow_null=True, default=None)
    subject_company = serializers.PrimaryKeyRelatedField(label="Организация (для приёма)",
                                                         queryset=Company.objects.all(), required=False,
                                                         allow_null=True, default=None)
    number = serializers.IntegerField(label="№", min_value=1, required=False, allow_null=True, default=None)


class DecisionsInputSerializer(serializers.Serializer):
    decisions = DecisionInputSerializer(many=True, allow_empty=False)


class ProtocolNegotiation(DefaultContentNegotiation):
    """?format= names the protocol's file type here, not a DRF renderer: answer errors in JSON."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


@extend_schema_view(retrieve=extend_schema(responses={200: MeetingDetailSerializer}))
class MeetingViewSet(GovernanceViewSet):
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
        return Response(MeetingDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

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
        item = services.agenda_item_add(meeting=self.get_object(), actor=self.actor(),
                                        **self.input(AgendaItemInputSerializer))
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"agenda/(?P<item_id>\d+)")
    def remove_agenda_item(self, request: Request, pk: str, item_id: str) -> Response:
        item = get_object_or_404(AgendaItem, pk=item_id, meeting=self.get_object())
        services.agenda_item_delete(item=item, actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=AttendanceInputSerializer, responses={200: MeetingDetailSerializer},
                   description="Отметить присутствие участников (все строки или ни одной).")
    @action(detail=True, methods=["post"], url_path="attendance")
    def record_attendance(self, request: Request, pk: str) -> Response:
        rows = [services.AttendanceRow(**row) for row in self.input(AttendanceInputSerializer)["rows"]]
        meeting = self.get_object()
        services.meeting_record_attendance(meeting=meeting, actor=self.actor(), rows=rows)
        return self._out(meeting)

    @extend_schema(request=DecisionsInputSerializer, responses={201: MeetingDetailSerializer},
                   description="Записать решения и итоги голосования (все или ни одного). " + str(ADOPTION_RULE))
    @action(detail=True, methods=["post"], url_path="decisions")
    def record_decisions(self, request: Request, pk: str) -> Response:
        items = [services.DecisionInput(**row) for row in self.input(DecisionsInputSerializer)["decisions"]]
        meeting = self.get_object()
        services.meeting_record_decisions(meeting=meeting, actor=self.actor(), decisions=items)
        return self._out(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["docx", "pdf"], description="Тип файла (pdf по умолчанию)")],
        responses={(200, CONTENT_TYPES["pdf"]): OpenApiTypes.BINARY, (200, CONTENT_TYPES["docx"]): OpenApiTypes.BINARY,
                   400: OpenApiResponse(description="Неизвестный формат")},
        description="Протокол заседания на русском языке (DOCX или PDF).",
    )
    @action(detail=True, methods=["get"], url_path="protocol", renderer_classes=[JSONRenderer],
            content_negotiation_class=ProtocolNegotiation)
    def protocol(self, request: Request, pk: str) -> HttpResponseBase:
        extension = request.query_params.get("format", "pdf")
        if extension not in CONTENT_TYPES:
            raise APIValidationError({"format": ["Выберите формат docx или pdf."]})
        meeting = self.get_object()
        cluster = request.cluster  # type: ignore[attr-defined]
        protocol = protocol_build(meeting=meeting, cluster=cluster)
        content = protocol_docx(protocol) if extension == "docx" else protocol_pdf(protocol)
        response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
        response["Content-Disposition"] = content_disposition(
            protocol_filename(meeting=meeting, cluster=cluster, extension=extension))
        return response
