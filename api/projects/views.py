"""/api/v1/projects/, /api/v1/projects/{id}/indicators/, /api/v1/support-applications/.

Cluster admins and staff see and keep every joint project, its budget and its support; a member
representative reads only the projects its company takes part in (others: 404) and, for projects
its company leads, enters the target indicators (draft → submitted; staff accept or return).
Money in kopecks; indicator values in the kind's unit × `scale` (ProjectIndicator.SCALE).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.ru.money import format_roubles
from tenants.governance.models import Decision
from tenants.members.models import Company
from tenants.projects import services
from tenants.projects.models import (
    JointProject,
    ProjectBudget,
    ProjectIndicator,
    ProjectParticipant,
    SupportApplication,
    SupportTranche,
)
from tenants.projects.selectors import indicator_get, project_get, project_list, support_list

from ..base import ClusterViewSet
from ..permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS

# --- projects ---------------------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.short_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = ProjectParticipant
        fields = ["company", "company_name", "role", "role_display"]


class BudgetSerializer(serializers.ModelSerializer):
    source_display = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = ProjectBudget
        fields = ["year", "source", "source_display", "amount_kopecks"]


class ProjectOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    budget = BudgetSerializer(many=True, read_only=True)
    products: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    roadmap_items: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    contracts: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = JointProject
        fields = [
            "id",
            "title",
            "kind",
            "kind_display",
            "description",
            "status",
            "status_display",
            "period_start",
            "period_end",
            "approved_by",
            "participants",
            "budget",
            "products",
            "roadmap_items",
            "contracts",
            "created_at",
            "updated_at",
        ]


class ParticipantInputSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(label="Организация", queryset=Company.objects.all())
    role = serializers.ChoiceField(label="Роль", choices=ProjectParticipant.Role.choices)


class ProjectInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Название", max_length=500)
    kind = serializers.ChoiceField(label="Вид", choices=JointProject.Kind.choices)
    description = serializers.CharField(label="Описание", required=False, allow_blank=True, default="")
    period_start = serializers.DateField(label="Начало")
    period_end = serializers.DateField(label="Окончание")
    participants = ParticipantInputSerializer(label="Участники", many=True)
    product_ids = serializers.ListField(
        label="Продукция", child=serializers.IntegerField(), required=False, default=list
    )
    roadmap_item_ids = serializers.ListField(
        label="Мероприятия дорожной карты", child=serializers.IntegerField(), required=False, default=list
    )
    contract_ids = serializers.ListField(
        label="Договоры о кооперации", child=serializers.IntegerField(), required=False, default=list
    )


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(label="Статус", choices=JointProject.Status.choices)
    decision = serializers.PrimaryKeyRelatedField(
        label="Решение", queryset=Decision.objects.all(), required=False, allow_null=True, default=None
    )


class BudgetInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="Год")
    source: Any = serializers.ChoiceField(label="Источник", choices=ProjectBudget.Source.choices)
    amount_kopecks = serializers.IntegerField(label="Сумма, коп.")


def _participants(rows: list[dict[str, Any]]) -> list[tuple[Company, str]]:
    return [(row["company"], row["role"]) for row in rows]


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    read_roles = ANY_CLUSTER_ROLE
    write_roles = CLUSTER_MANAGERS
    serializer_class = ProjectOutputSerializer
    lookup_value_regex = r"\d+"
    search_fields = ["title", "description", "participants__company__short_name"]
    ordering_fields = ["title", "period_start", "status", "kind", "id"]
    ordering = ["-period_start", "id"]
    filterset_fields = ["status", "kind"]

    def get_queryset(self) -> QuerySet[JointProject]:
        return project_list(access=self.access()).prefetch_related(
            "participants__company", "budget", "products", "roadmap_items", "contracts"
        )

    @extend_schema(
        request=ProjectInputSerializer,
        responses={201: ProjectOutputSerializer},
        description="Новый проект (статус «Идея») с участниками (ровно один головной) и связями.",
    )
    def create(self, request: Request) -> Response:
        data = self.input(ProjectInputSerializer)
        project = services.project_create(
            actor=self.actor(), participants=_participants(data.pop("participants")), **data
        )
        return Response(
            ProjectOutputSerializer(self.get_queryset().get(pk=project.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ProjectInputSerializer, responses={200: ProjectOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        data = self.input(ProjectInputSerializer, partial=True)
        if "participants" in data:
            data["participants"] = _participants(data["participants"])
        services.project_update(project=project, actor=self.actor(), **data)
        return Response(ProjectOutputSerializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.project_delete(project=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=StatusInputSerializer,
        responses={200: ProjectOutputSerializer},
        description="Идея → одобрен (решением органа кластера) → реализуется → завершён; или остановлен.",
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        project = services.project_set_status(
            project=self.get_object(), actor=self.actor(), **self.input(StatusInputSerializer)
        )
        return Response(ProjectOutputSerializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(
        request=BudgetInputSerializer,
        responses={200: BudgetSerializer},
        description="Сумма бюджета проекта за год по источнику (копейки); повторный вызов её меняет.",
    )
    @action(detail=True, methods=["post"])
    def budget(self, request: Request, pk: str) -> Response:
        row = services.budget_set(
            project=self.get_object(), actor=self.actor(), **self.input(BudgetInputSerializer)
        )
        return Response(BudgetSerializer(row).data)


# --- indicators -------------------------------------------------------------------------------


class IndicatorOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    shortfall_percent = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Недовыполнение плана, % (null — план выполнен или нет факта).",
    )
    scale = serializers.SerializerMethodField(help_text="Сколько хранимых единиц в одной отображаемой.")

    class Meta:
        model = ProjectIndicator
        fields = [
            "id",
            "project",
            "year",
            "kind",
            "kind_display",
            "name",
            "unit",
            "planned",
            "actual",
            "scale",
            "shortfall_percent",
            "status",
            "status_display",
            "comment",
            "submitted_at",
            "accepted_at",
            "updated_at",
        ]

    def get_scale(self, indicator: ProjectIndicator) -> int:
        return ProjectIndicator.SCALE[indicator.kind]


class IndicatorInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="Год")
    kind = serializers.ChoiceField(label="Показатель", choices=ProjectIndicator.Kind.choices)
    name = serializers.CharField(
        label="Название", max_length=300, required=False, allow_blank=True, default=""
    )
    unit = serializers.CharField(label="Единица", max_length=50, required=False, allow_blank=True, default="")
    planned = serializers.IntegerField(label="План")
    actual = serializers.IntegerField(label="Факт", required=False, allow_null=True, default=None)
    comment = serializers.CharField(label="Комментарий", required=False, allow_blank=True, default="")


class IndicatorUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label="Название", max_length=300, required=False, allow_blank=True)
    unit = serializers.CharField(label="Единица", max_length=50, required=False, allow_blank=True)
    planned = serializers.IntegerField(label="План", required=False)
    actual = serializers.IntegerField(label="Факт", required=False, allow_null=True)
    comment = serializers.CharField(label="Комментарий", required=False, allow_blank=True)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label="Что исправить", required=False, allow_blank=True, default="")


class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    read_roles = ANY_CLUSTER_ROLE
    write_roles = ANY_CLUSTER_ROLE  # the services decide: the lead's representative or staff
    serializer_class = IndicatorOutputSerializer
    lookup_value_regex = r"\d+"
    ordering_fields = ["year", "kind", "status", "id"]
    ordering = ["year", "kind", "id"]
    filterset_fields = ["year", "kind", "status"]

    def project(self) -> JointProject:
        project = project_get(project_id=int(self.kwargs["project_pk"]), access=self.access())
        if project is None:
            raise Http404
        return project

    def get_queryset(self) -> QuerySet[ProjectIndicator]:
        return ProjectIndicator.objects.filter(project=self.project()).select_related("project")

    def get_object(self) -> ProjectIndicator:
        found = indicator_get(project=self.project(), indicator_id=int(self.kwargs["pk"]))
        if found is None:
            raise Http404
        return found

    @extend_schema(request=IndicatorInputSerializer, responses={201: IndicatorOutputSerializer})
    def create(self, request: Request, project_pk: str) -> Response:
        indicator = services.indicator_create(
            project=self.project(), actor=self.actor(), **self.input(IndicatorInputSerializer)
        )
        return Response(IndicatorOutputSerializer(indicator).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IndicatorUpdateSerializer, responses={200: IndicatorOutputSerializer})
    def partial_update(self, request: Request, project_pk: str, pk: str) -> Response:
        indicator = services.indicator_update(
            indicator=self.get_object(),
            actor=self.actor(),
            **self.input(IndicatorUpdateSerializer, partial=True),
        )
        return Response(IndicatorOutputSerializer(indicator).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, project_pk: str, pk: str) -> Response:
        services.indicator_delete(indicator=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None, responses={200: IndicatorOutputSerializer}, description="Черновик → отправлен."
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, project_pk: str, pk: str) -> Response:
        return Response(
            IndicatorOutputSerializer(
                services.indicator_submit(indicator=self.get_object(), actor=self.actor())
            ).data
        )

    @extend_schema(
        request=None,
        responses={200: IndicatorOutputSerializer},
        description="Отправлен → принят (администраторы и сотрудники кластера).",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, project_pk: str, pk: str) -> Response:
        return Response(
            IndicatorOutputSerializer(
                services.indicator_accept(indicator=self.get_object(), actor=self.actor())
            ).data
        )

    @extend_schema(
        request=ReturnSerializer,
        responses={200: IndicatorOutputSerializer},
        description="Вернуть в черновик (администраторы и сотрудники кластера).",
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request: Request, project_pk: str, pk: str) -> Response:
        return Response(
            IndicatorOutputSerializer(
                services.indicator_return(
                    indicator=self.get_object(), actor=self.actor(), **self.input(ReturnSerializer)
                )
            ).data
        )


# --- support applications ---------------------------------------------------------------------


class TrancheSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupportTranche
        fields = ["id", "received_on", "amount_kopecks", "note"]


class SupportOutputSerializer(serializers.ModelSerializer):
    measure_display = serializers.CharField(source="get_measure_display", read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    company_name = serializers.CharField(source="company.short_name", read_only=True)
    tranches = TrancheSerializer(many=True, read_only=True)
    received_kopecks = serializers.SerializerMethodField()
    received = serializers.SerializerMethodField(help_text="Получено, руб.: «1 234 567,89».")

    class Meta:
        model = SupportApplication
        fields = [
            "id",
            "project",
            "project_title",
            "company",
            "company_name",
            "measure",
            "measure_display",
            "measure_name",
            "amount_requested_kopecks",
            "submitted_on",
            "decision",
            "decision_display",
            "decided_on",
            "decision_note",
            "amount_granted_kopecks",
            "received_kopecks",
            "received",
            "tranches",
            "created_at",
            "updated_at",
        ]

    def get_received_kopecks(self, application: SupportApplication) -> int:
        return int(
            getattr(application, "received_kopecks", None)
            or sum(t.amount_kopecks for t in application.tranches.all())
        )

    def get_received(self, application: SupportApplication) -> str:
        return format_roubles(self.get_received_kopecks(application))


class SupportInputSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(label="Проект", queryset=JointProject.objects.all())
    company = serializers.PrimaryKeyRelatedField(label="Заявитель", queryset=Company.objects.all())
    measure = serializers.ChoiceField(label="Мера поддержки", choices=SupportApplication.Measure.choices)
    measure_name = serializers.CharField(
        label="Название меры", max_length=300, required=False, allow_blank=True, default=""
    )
    amount_requested_kopecks = serializers.IntegerField(label="Запрошено, коп.")
    submitted_on = serializers.DateField(label="Дата подачи")


@extend_schema_serializer(component_name="SupportDecisionInput")
class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(label="Решение", choices=SupportApplication.Decision.choices)
    decided_on = serializers.DateField(label="Дата решения", required=False, allow_null=True, default=None)
    amount_granted_kopecks = serializers.IntegerField(label="Предоставлено, коп.", required=False, default=0)
    decision_note = serializers.CharField(
        label="Основание решения", required=False, allow_blank=True, default=""
    )


class TrancheInputSerializer(serializers.Serializer):
    received_on = serializers.DateField(label="Дата поступления")
    amount_kopecks = serializers.IntegerField(label="Сумма, коп.")
    note = serializers.CharField(
        label="Примечание", max_length=300, required=False, allow_blank=True, default=""
    )


class SupportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    read_roles = ANY_CLUSTER_ROLE
    write_roles = CLUSTER_MANAGERS
    serializer_class = SupportOutputSerializer
    lookup_value_regex = r"\d+"
    search_fields = ["project__title", "company__short_name", "measure_name"]
    ordering_fields = ["submitted_on", "amount_requested_kopecks", "amount_granted_kopecks", "id"]
    ordering = ["-submitted_on", "-id"]
    filterset_fields = ["project", "company", "measure", "decision"]

    def get_queryset(self) -> QuerySet[SupportApplication]:
        return support_list(access=self.access())

    @extend_schema(request=SupportInputSerializer, responses={201: SupportOutputSerializer})
    def create(self, request: Request) -> Response:
        data = self.input(SupportInputSerializer)
        application = services.support_create(actor=self.actor(), **data)
        return Response(
            SupportOutputSerializer(self.get_queryset().get(pk=application.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.support_delete(application=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DecisionInputSerializer, responses={200: SupportOutputSerializer})
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, pk: str) -> Response:
        application = services.support_decide(
            application=self.get_object(), actor=self.actor(), **self.input(DecisionInputSerializer)
        )
        return Response(SupportOutputSerializer(self.get_queryset().get(pk=application.pk)).data)

    @extend_schema(
        request=TrancheInputSerializer,
        responses={201: SupportOutputSerializer},
        description="Полученный транш; сумма траншей не может превысить предоставленную.",
    )
    @action(detail=True, methods=["post"])
    def tranches(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        services.tranche_add(
            application=application, actor=self.actor(), **self.input(TrancheInputSerializer)
        )
        return Response(
            SupportOutputSerializer(self.get_queryset().get(pk=application.pk)).data,
            status=status.HTTP_201_CREATED,
        )
