"""/api/v1/fee-schedules/ and /api/v1/assessments/: the cluster's fee regulation and its runs.

Cluster admins and staff only (a member representative sees its dues through /api/v1/invoices/).
Money is in kopecks (integers); periods are «2025» (yearly schedules) or «2025-Q2» (quarterly).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.permissions import CLUSTER_MANAGERS
from core.clock import cluster_today
from tenants.fees import services
from tenants.fees.models import AssessmentRun, FeeSchedule, FeeTier
from tenants.fees.selectors import run_get, run_list, schedule_in_force, schedule_list
from tenants.governance.models import Decision


class FeesViewSet(ClusterViewSet):
    read_roles = CLUSTER_MANAGERS
    write_roles = CLUSTER_MANAGERS
    lookup_value_regex = r"\d+"


# --- schedules ----------------------------------------------------------------------------


class TierSerializer(serializers.ModelSerializer):
    lower_bound = serializers.IntegerField(
        label="От (включительно): работников или копеек выручки", min_value=0
    )
    amount_kopecks = serializers.IntegerField(label="Взнос за период, коп.", min_value=0)

    class Meta:
        model = FeeTier
        fields = ["lower_bound", "amount_kopecks"]


class DecisionBriefSerializer(serializers.ModelSerializer):
    meeting_number = serializers.CharField(source="meeting.number", read_only=True)
    meeting_held_at = serializers.DateTimeField(source="meeting.held_at", read_only=True)
    body = serializers.CharField(source="meeting.body.name", read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "number", "text", "body", "meeting_number", "meeting_held_at"]


class ScheduleOutputSerializer(serializers.ModelSerializer):
    decision = DecisionBriefSerializer(read_only=True)
    tiers = TierSerializer(many=True, read_only=True)
    period_display = serializers.CharField(source="get_period_display", read_only=True)
    tier_basis_display = serializers.CharField(source="get_tier_basis_display", read_only=True)
    proration_display = serializers.CharField(source="get_proration_display", read_only=True)
    run_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = FeeSchedule
        fields = [
            "id",
            "name",
            "decision",
            "effective_from",
            "effective_until",
            "period",
            "period_display",
            "entrance_fee_kopecks",
            "payment_days",
            "amount_kopecks",
            "tier_basis",
            "tier_basis_display",
            "tiers",
            "due_month",
            "due_day",
            "grace_days",
            "proration",
            "proration_display",
            "notes",
            "run_count",
            "created_at",
            "updated_at",
        ]


class ScheduleInputSerializer(serializers.Serializer):
    name = serializers.CharField(label="Наименование", max_length=200)
    decision = serializers.PrimaryKeyRelatedField(
        label="Решение общего собрания об установлении взносов", queryset=Decision.objects.all()
    )
    effective_from = serializers.DateField(label="Действует с")
    effective_until = serializers.DateField(label="Действует по", required=False, allow_null=True)
    period = serializers.ChoiceField(
        label="Период членского взноса", choices=FeeSchedule.Period.choices, required=False
    )
    entrance_fee_kopecks = serializers.IntegerField(
        label="Вступительный взнос, коп.", min_value=0, required=False
    )
    payment_days = serializers.IntegerField(
        label="Срок оплаты поздних и вступительных счетов, дней", min_value=0, max_value=365, required=False
    )
    amount_kopecks = serializers.IntegerField(
        label="Членский взнос за период, коп.", min_value=0, required=False
    )
    tier_basis = serializers.ChoiceField(
        label="Ступени взноса", choices=FeeSchedule.TierBasis.choices, required=False
    )
    tiers = TierSerializer(label="Ступени", many=True, required=False)
    due_month = serializers.IntegerField(
        label="Месяц периода для оплаты", min_value=1, max_value=12, required=False
    )
    due_day = serializers.IntegerField(
        label="День месяца для оплаты", min_value=1, max_value=31, required=False
    )
    grace_days = serializers.IntegerField(
        label="Льготный период, дней", min_value=0, max_value=365, required=False
    )
    proration = serializers.ChoiceField(
        label="Принятым в середине периода", choices=FeeSchedule.Proration.choices, required=False
    )
    notes = serializers.CharField(label="Примечания", required=False, allow_blank=True)


def _tiers(fields: dict[str, Any]) -> list[tuple[int, int]] | None:
    tiers = fields.pop("tiers", None)
    return None if tiers is None else [(t["lower_bound"], t["amount_kopecks"]) for t in tiers]


class FeeScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FeesViewSet):
    serializer_class = ScheduleOutputSerializer
    search_fields = ["name", "notes"]
    ordering_fields = ["effective_from", "name", "created_at", "id"]
    ordering = ["-effective_from", "-id"]
    filterset_fields = ["period", "tier_basis"]

    def get_queryset(self) -> QuerySet[FeeSchedule]:
        return schedule_list().prefetch_related("tiers")

    def out(self, schedule: FeeSchedule) -> dict[str, Any]:
        return ScheduleOutputSerializer(self.get_queryset().get(pk=schedule.pk)).data

    @extend_schema(
        request=ScheduleInputSerializer,
        responses={201: ScheduleOutputSerializer},
        description="Положение о взносах по принятому решению общего собрания (вид «Установление "
        "взносов»). Суммы — в копейках; ступени — нижняя граница (работников или копеек "
        "выручки по последнему принятому годовому отчёту до периода) и сумма.",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(ScheduleInputSerializer)
        tiers = _tiers(fields) or []
        schedule = services.fee_schedule_create(actor=self.actor(), tiers=tiers, **fields)
        return Response(self.out(schedule), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ScheduleInputSerializer,
        responses={200: ScheduleOutputSerializer},
        description="Изменить положение. Уже выставленные счета не меняются; период взноса "
        "положения, по которому были начисления, менять нельзя.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        schedule = self.get_object()
        fields = self.input(ScheduleInputSerializer, partial=True)
        schedule = services.fee_schedule_update(
            actor=self.actor(), schedule=schedule, tiers=_tiers(fields), **fields
        )
        return Response(self.out(schedule))

    @extend_schema(responses={204: None}, description="Удалить положение, по которому не было начислений.")
    def destroy(self, request: Request, pk: str) -> Response:
        services.fee_schedule_delete(actor=self.actor(), schedule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- assessment runs ----------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    schedule_name = serializers.CharField(source="schedule.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(source="is_finished", read_only=True)

    class Meta:
        model = AssessmentRun
        fields = [
            "id",
            "schedule",
            "schedule_name",
            "period",
            "period_start",
            "period_end",
            "issue_date",
            "status",
            "status_display",
            "total",
            "processed",
            "percent",
            "finished",
            "created_count",
            "existing_count",
            "exempt_count",
            "amount_kopecks",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
        ]


class RunInputSerializer(serializers.Serializer):
    period = serializers.CharField(label="Период: год (2025) или квартал (2025-Q2)", max_length=10)
    schedule = serializers.PrimaryKeyRelatedField(
        label="Положение о взносах (по умолчанию — действующее)",
        queryset=FeeSchedule.objects.all(),
        required=False,
    )


class AssessmentViewSet(mixins.ListModelMixin, FeesViewSet):
    serializer_class = RunSerializer
    ordering_fields = ["created_at", "period", "id"]
    ordering = ["-created_at", "-id"]
    filterset_fields = ["schedule", "period", "status"]

    def get_queryset(self) -> QuerySet[AssessmentRun]:
        return run_list()

    @extend_schema(
        responses={200: RunSerializer, 404: OpenApiResponse(description="Нет такого начисления.")},
        description="Ход начисления: обработано из total, выставлено, уже было, освобождены, ошибки.",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        run = run_get(run_id=int(pk))
        if run is None:
            raise NotFound("Нет такого начисления.")
        return Response(RunSerializer(run).data)

    @extend_schema(
        request=RunInputSerializer,
        responses={202: RunSerializer},
        description="Начислить взносы за период: по счёту на каждого участника, обязанного платить "
        "(через billing). Повторное начисление за тот же период новых счетов не создаёт. "
        "Выполняется в фоне; ход — GET /api/v1/assessments/{id}/.",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(RunInputSerializer)
        schedule = fields.get("schedule")
        if schedule is None:
            schedule = schedule_in_force(day=cluster_today())  # the request's cluster
            if schedule is None:
                raise serializers.ValidationError(
                    {"schedule": ["Нет действующего положения о взносах: укажите положение."]}
                )
        run = services.assessment_start(actor=self.actor(), schedule=schedule, period=fields["period"])
        found = run_get(run_id=run.pk)
        return Response(RunSerializer(found).data, status=status.HTTP_202_ACCEPTED)
