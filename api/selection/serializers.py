"""Serializers of the selection API: calls, applications, the ranking, reviews."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.selection.models import Application, Call, Clarification, Criterion
from core.selection.selectors import Ranking
from tenants.models import Cluster


class CriterionSerializer(serializers.ModelSerializer):
    weight = serializers.DecimalField(max_digits=7, decimal_places=3, coerce_to_string=True)

    class Meta:
        model = Criterion
        fields = ["id", "code", "name", "description", "weight", "scale_min", "scale_max"]


class CallSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "title",
            "year",
            "description",
            "status",
            "status_display",
            "eligible_kinds",
            "eligible_registry_statuses",
            "opens_at",
            "closes_at",
            "required_sections",
            "required_attachments",
            "experts_per_application",
            "criteria",
            "results_published_at",
        ]


class CriterionInputSerializer(serializers.Serializer):
    code = serializers.SlugField(label="Код", max_length=60)
    name = serializers.CharField(label="Название", max_length=300)
    weight = serializers.DecimalField(label="Вес", max_digits=7, decimal_places=3, min_value=0, default=1)  # type: ignore[arg-type]
    scale_min = serializers.IntegerField(label="Минимальная оценка", default=0)
    scale_max = serializers.IntegerField(label="Максимальная оценка", default=10)
    description = serializers.CharField(label="Пояснение", required=False, allow_blank=True, default="")


class CallInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Название", max_length=300)
    year = serializers.IntegerField(label="Год", min_value=2000, max_value=2100)
    description = serializers.CharField(label="Описание", required=False, allow_blank=True, default="")
    opens_at = serializers.DateTimeField(label="Начало приёма заявок")
    closes_at = serializers.DateTimeField(label="Окончание приёма заявок")
    eligible_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Cluster.Kind.choices), required=False, default=list
    )
    eligible_registry_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=Cluster.RegistryStatus.choices), required=False, default=list
    )
    required_sections = serializers.ListField(
        child=serializers.ChoiceField(choices=Call.Section.choices), required=False, default=list
    )
    required_attachments = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    experts_per_application = serializers.IntegerField(label="Экспертов на заявку", min_value=1, default=3)
    criteria = CriterionInputSerializer(many=True, label="Критерии")


class ClarificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clarification
        fields = ["id", "request_text", "requested_at", "answer", "answered_at", "version"]


class ApplicationSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    cluster_name = serializers.CharField(source="cluster.name", read_only=True)
    call_title = serializers.CharField(source="call.title", read_only=True)
    clarifications = ClarificationSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "call",
            "call_title",
            "cluster",
            "cluster_name",
            "status",
            "status_display",
            "goals",
            "anchor_project",
            "team",
            "expected_effects",
            "version",
            "submitted_at",
            "version_reason",
            "snapshot",
            "clarifications",
            "decision",
        ]

    def get_decision(self, obj: Application) -> dict[str, Any] | None:
        decision = getattr(obj, "decision", None)
        if decision is None:
            return None
        return {
            "outcome": decision.outcome,
            "outcome_display": str(decision.get_outcome_display()),
            "protocol_ref": decision.protocol_ref,
        }


class ApplicationCreateSerializer(serializers.Serializer):
    call = serializers.IntegerField(label="Отбор")


class EffectSerializer(serializers.Serializer):
    name = serializers.CharField(label="Показатель", max_length=300)
    unit = serializers.CharField(label="Единица", max_length=30, required=False, allow_blank=True, default="")
    baseline = serializers.CharField(
        label="Базовое значение", required=False, allow_blank=True, allow_null=True
    )
    target = serializers.CharField(label="Целевое значение")
    year = serializers.IntegerField(label="Год", required=False, allow_null=True)


class NarrativeSerializer(serializers.Serializer):
    goals = serializers.CharField(label="Цели проекта", required=False, allow_blank=True)
    anchor_project = serializers.CharField(label="Якорный проект", required=False, allow_blank=True)
    team = serializers.CharField(label="Команда проекта", required=False, allow_blank=True)
    expected_effects = EffectSerializer(many=True, label="Ожидаемые эффекты", required=False)


class AnswerSerializer(serializers.Serializer):
    clarification = serializers.IntegerField(label="Запрос уточнений")
    answer = serializers.CharField(label="Ответ")


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(label="Критерий")
    value = serializers.CharField(label="Оценка")
    comment = serializers.CharField(label="Комментарий", required=False, allow_blank=True, default="")


class ScoresInputSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(many=True, label="Оценки")


def ranking_json(ranking: Ranking) -> dict[str, Any]:
    return {
        "call": ranking.call.pk,
        "outlier_spread": str(ranking.outlier_spread),
        "criteria": [
            {"id": c.pk, "code": c.code, "name": c.name, "weight": str(c.weight)} for c in ranking.criteria
        ],
        "rows": [
            {
                "place": r.place,
                "application": r.application_id,
                "cluster": r.cluster_id,
                "cluster_name": r.cluster,
                "region_codes": r.region_codes,
                "status": r.status,
                "version": r.version,
                "score": None if r.score is None else str(r.score),
                "spread": None if r.spread is None else str(r.spread),
                "outlier": r.outlier,
                "experts_assigned": r.experts_assigned,
                "experts_submitted": r.experts_submitted,
                "criteria_means": {str(k): str(v) for k, v in r.criteria_means.items()},
                "decision": r.decision or None,
                "protocol_ref": r.protocol_ref,
            }
            for r in ranking.rows
        ],
    }
