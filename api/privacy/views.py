"""/api/v1/consents/, /consent-purposes/, /processing-register/, /subject-requests/ and
/incidents/: the cluster as operator of personal data (152-FZ).

Cluster admins write; staff read. Consents: every person of the cluster sees, gives and
withdraws their own; managers see all, admins record one for any person of the cluster.
"""

from __future__ import annotations

import json

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS
from core.accounts.models import Grant
from core.accounts.ratelimit import client_address
from tenants.privacy import services
from tenants.privacy.export import export_pdf
from tenants.privacy.models import (
    Consent,
    ConsentPurpose,
    ConsentText,
    Incident,
    ProcessingActivity,
    SubjectRequest,
)
from tenants.privacy.selectors import (
    activity_list,
    consent_list,
    incident_clocks,
    incident_list,
    purpose_list,
    request_list,
)

ADMINS = frozenset({Grant.Role.CLUSTER_ADMIN})


class PrivacyViewSet(ClusterViewSet):
    read_roles = CLUSTER_MANAGERS
    write_roles = ADMINS
    lookup_value_regex = r"\d+"


# --- purposes ---------------------------------------------------------------------------------


class TextSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentText
        fields = ["id", "version", "body", "created_at"]


class PurposeSerializer(serializers.ModelSerializer):
    texts = TextSerializer(many=True, read_only=True)

    class Meta:
        model = ConsentPurpose
        fields = ["id", "title", "texts", "created_at"]


class PurposeInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Цель обработки", max_length=300)
    text = serializers.CharField(label="Текст согласия")


class TextInputSerializer(serializers.Serializer):
    text = serializers.CharField(label="Новая редакция текста согласия")


class ConsentPurposeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivacyViewSet):
    read_roles = ANY_CLUSTER_ROLE  # a person reads the texts they are asked to agree to
    serializer_class = PurposeSerializer

    def get_queryset(self) -> QuerySet[ConsentPurpose]:
        return purpose_list()

    @extend_schema(request=PurposeInputSerializer, responses={201: PurposeSerializer})
    def create(self, request: Request) -> Response:
        purpose = services.purpose_create(actor=self.actor(), **self.input(PurposeInputSerializer))
        return Response(
            PurposeSerializer(purpose_list().get(pk=purpose.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=TextInputSerializer,
        responses={201: PurposeSerializer},
        description="Новая редакция текста согласия. Ранее данные согласия сохраняют свою редакцию.",
    )
    @action(detail=True, methods=["post"])
    def texts(self, request: Request, pk: str) -> Response:
        purpose = self.get_object()
        services.purpose_text_publish(actor=self.actor(), purpose=purpose, **self.input(TextInputSerializer))
        return Response(
            PurposeSerializer(purpose_list().get(pk=purpose.pk)).data, status=status.HTTP_201_CREATED
        )


# --- consents ---------------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    purpose_title = serializers.CharField(source="purpose.title", read_only=True)
    text_version = serializers.IntegerField(source="text.version", read_only=True)
    text_body = serializers.CharField(source="text.body", read_only=True)
    user = serializers.IntegerField(source="user_id", read_only=True)
    company = serializers.IntegerField(source="company_id", read_only=True, allow_null=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "purpose",
            "purpose_title",
            "text",
            "text_version",
            "text_body",
            "user",
            "company",
            "given_at",
            "ip",
            "host",
            "user_agent",
            "withdrawn_at",
        ]


class ConsentInputSerializer(serializers.Serializer):
    purpose = serializers.PrimaryKeyRelatedField(label="Цель", queryset=ConsentPurpose.objects.all())
    user = serializers.IntegerField(
        label="Субъект (только администратор; по умолчанию — вы сами)", required=False, min_value=1
    )
    company = serializers.IntegerField(
        label="Организация, которую представляет субъект", required=False, min_value=1
    )


class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivacyViewSet):
    read_roles = ANY_CLUSTER_ROLE
    write_roles = ANY_CLUSTER_ROLE
    serializer_class = ConsentSerializer
    filterset_fields = ["purpose"]

    def get_queryset(self) -> QuerySet[Consent]:
        return consent_list(access=self.access(), user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        request=ConsentInputSerializer,
        responses={201: ConsentSerializer},
        description="Дать согласие по цели: сохраняются действующая редакция текста, время, IP-адрес, "
        "сайт и браузер. Администратор может внести согласие любого человека кластера (бумажное).",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(ConsentInputSerializer)
        consent = services.consent_give(
            actor=self.actor(),
            purpose=fields["purpose"],
            user_id=fields.get("user"),
            company_id=fields.get("company"),
            ip=client_address(request._request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(
            ConsentSerializer(self.get_queryset().get(pk=consent.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={200: ConsentSerializer, 400: OpenApiResponse(description="Согласие уже отозвано.")},
        description="Отозвать согласие (своё; администратор — любое). Повторный отзыв — 400, без изменений.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        consent = services.consent_withdraw(actor=self.actor(), consent=self.get_object())
        return Response(ConsentSerializer(self.get_queryset().get(pk=consent.pk)).data)


# --- register of processing -------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    legal_basis_display = serializers.CharField(source="get_legal_basis_display", read_only=True)

    class Meta:
        model = ProcessingActivity
        fields = [
            "id",
            "name",
            "data_categories",
            "purpose",
            "legal_basis",
            "legal_basis_display",
            "retention",
            "access",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ProcessingActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivacyViewSet):
    serializer_class = ActivitySerializer
    search_fields = ["name", "data_categories", "purpose"]

    def get_queryset(self) -> QuerySet[ProcessingActivity]:
        return activity_list()

    @extend_schema(request=ActivitySerializer, responses={201: ActivitySerializer})
    def create(self, request: Request) -> Response:
        fields = self.input(ActivitySerializer)
        activity = services.activity_create(actor=self.actor(), **fields)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActivitySerializer, responses={200: ActivitySerializer})
    def update(self, request: Request, pk: str) -> Response:
        activity = services.activity_update(
            actor=self.actor(), activity=self.get_object(), **self.input(ActivitySerializer)
        )
        return Response(ActivitySerializer(activity).data)

    @extend_schema(request=ActivitySerializer, responses={200: ActivitySerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(ActivitySerializer, partial=True)
        activity = services.activity_update(actor=self.actor(), activity=self.get_object(), **fields)
        return Response(ActivitySerializer(activity).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.activity_delete(actor=self.actor(), activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- subject requests -------------------------------------------------------------------------


class RequestSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True)
    result = serializers.JSONField(read_only=True)

    class Meta:
        model = SubjectRequest
        fields = [
            "id",
            "kind",
            "kind_display",
            "user",
            "subject_name",
            "received_on",
            "deadline",
            "status",
            "status_display",
            "answered_at",
            "refusal_reason",
            "result",
            "created_at",
        ]


class RequestInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид запроса", choices=SubjectRequest.Kind.choices)
    user = serializers.IntegerField(label="Субъект: пользователь или представитель кластера", min_value=1)
    received_on = serializers.DateField(label="Дата получения (по умолчанию — сегодня)", required=False)


class RefuseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(label="Причина отказа")


class SubjectRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivacyViewSet):
    serializer_class = RequestSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self) -> QuerySet[SubjectRequest]:
        return request_list()

    @extend_schema(
        request=RequestInputSerializer,
        responses={201: RequestSerializer},
        description="Зарегистрировать запрос субъекта. deadline — 10 рабочих дней от получения по "
        "производственному календарю РФ. Субъект другого кластера — 400.",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(RequestInputSerializer)
        answer = services.request_create(
            actor=self.actor(),
            kind=fields["kind"],
            user_id=fields["user"],
            received_on=fields.get("received_on"),
        )
        return Response(RequestSerializer(answer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RequestSerializer}, description="Ответить копией данных.")
    @action(detail=True, methods=["post"])
    def export(self, request: Request, pk: str) -> Response:
        answer = services.request_export(actor=self.actor(), request=self.get_object())
        return Response(RequestSerializer(answer).data)

    @extend_schema(
        request=None,
        responses={200: RequestSerializer},
        description="Удалить данные субъекта в кластере. Счета, платежи и протоколы сохраняются "
        "(ФИО обезличивается, где закон позволяет); в ответе — что удалено и что сохранено и почему.",
    )
    @action(detail=True, methods=["post"], url_path="delete-data", url_name="delete-data")
    def delete_data(self, request: Request, pk: str) -> Response:
        answer = services.request_delete(actor=self.actor(), request=self.get_object())
        return Response(RequestSerializer(answer).data)

    @extend_schema(request=RefuseInputSerializer, responses={200: RequestSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str) -> Response:
        answer = services.request_refuse(
            actor=self.actor(), request=self.get_object(), **self.input(RefuseInputSerializer)
        )
        return Response(RequestSerializer(answer).data)

    def _answered(self) -> SubjectRequest:
        answer = self.get_object()
        if answer.status != SubjectRequest.Status.EXPORTED:
            raise NotFound("Копия данных по этому запросу не готовилась.")
        return answer

    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT}, description="Копия данных, JSON."
    )
    @action(detail=True, methods=["get"], url_path="copy-json", url_name="copy-json")
    def copy_json(self, request: Request, pk: str) -> HttpResponse:
        answer = self._answered()
        response = HttpResponse(
            json.dumps(answer.result, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="personal-data-{answer.pk}.json"'
        return response

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY}, description="Копия данных, PDF."
    )
    @action(detail=True, methods=["get"], url_path="copy-pdf", url_name="copy-pdf")
    def copy_pdf(self, request: Request, pk: str) -> HttpResponse:
        answer = self._answered()
        content = export_pdf(records=answer.result, title=f"Персональные данные: {answer.subject_name}")
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{answer.pk}.pdf"'
        return response


# --- incidents --------------------------------------------------------------------------------


class IncidentSerializer(serializers.ModelSerializer):
    notify_deadline = serializers.SerializerMethodField()
    notify_state = serializers.SerializerMethodField()
    report_deadline = serializers.SerializerMethodField()
    report_state = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "description",
            "detected_at",
            "affected",
            "notified_at",
            "notify_deadline",
            "notify_state",
            "reported_at",
            "report_deadline",
            "report_state",
            "closed_at",
            "created_at",
        ]
        read_only_fields = ["notified_at", "reported_at", "closed_at", "created_at"]

    def get_notify_deadline(self, obj: Incident) -> str:
        return serializers.DateTimeField().to_representation(incident_clocks(obj)[0].due)

    def get_notify_state(self, obj: Incident) -> str:
        """pending, overdue, done or late (sent after the deadline)."""
        return incident_clocks(obj)[0].state

    def get_report_deadline(self, obj: Incident) -> str:
        return serializers.DateTimeField().to_representation(incident_clocks(obj)[1].due)

    def get_report_state(self, obj: Incident) -> str:
        return incident_clocks(obj)[1].state


class IncidentInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Инцидент", max_length=300)
    description = serializers.CharField(label="Что произошло", required=False, allow_blank=True)
    detected_at = serializers.DateTimeField(label="Обнаружен")
    affected = serializers.IntegerField(
        label="Затронуто субъектов", required=False, allow_null=True, min_value=0
    )


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivacyViewSet):
    serializer_class = IncidentSerializer

    def get_queryset(self) -> QuerySet[Incident]:
        return incident_list()

    @extend_schema(request=IncidentInputSerializer, responses={201: IncidentSerializer})
    def create(self, request: Request) -> Response:
        incident = services.incident_create(actor=self.actor(), **self.input(IncidentInputSerializer))
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IncidentInputSerializer, responses={200: IncidentSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(IncidentInputSerializer, partial=True)
        incident = services.incident_update(actor=self.actor(), incident=self.get_object(), **fields)
        return Response(IncidentSerializer(incident).data)

    def _step(self, step: str) -> Response:
        incident = services.incident_step(actor=self.actor(), incident=self.get_object(), step=step)
        return Response(IncidentSerializer(incident).data)

    @extend_schema(
        request=None, responses={200: IncidentSerializer}, description="Роскомнадзор уведомлён (24 ч)."
    )
    @action(detail=True, methods=["post"])
    def notify(self, request: Request, pk: str) -> Response:
        return self._step("notify")

    @extend_schema(
        request=None, responses={200: IncidentSerializer}, description="Результаты направлены (72 ч)."
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str) -> Response:
        return self._step("report")

    @extend_schema(request=None, responses={200: IncidentSerializer}, description="Закрыть инцидент.")
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._step("close")
