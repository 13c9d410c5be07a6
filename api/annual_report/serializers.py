"""Serializers of the annual report API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.federal.models import AnnualReport


class FormRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    version = serializers.IntegerField()


class ReportListSerializer(serializers.ModelSerializer):
    form = FormRefSerializer(read_only=True)

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "year",
            "version",
            "is_latest",
            "is_demo",
            "form",
            "submitted_at",
            "submitted_by_email",
            "correction_reason",
            "comments",
        ]


class ReportDetailSerializer(ReportListSerializer):
    values = serializers.JSONField(
        read_only=True,
        help_text="{код: {value, display, method, value_type, unit, "
        "name_ru, comment, numerator, denominator, note}}",
    )
    details = serializers.JSONField(read_only=True, help_text="{код: [строки расшифровки]}")
    checks = serializers.JSONField(read_only=True, help_text="[{code, status, reason, companies, data}]")

    class Meta(ReportListSerializer.Meta):
        fields = [*ReportListSerializer.Meta.fields, "values", "details", "checks"]


class EnteredValuesField(serializers.DictField):
    """{code: value}; value: number (stored unit: money in kopecks), string (as typed) or null."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        result = super().to_internal_value(data)
        for code, value in result.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
                raise serializers.ValidationError(f"«{code}»: ожидается число, строка или null.")
        return result


class DraftInputSerializer(serializers.Serializer):
    entered_values = EnteredValuesField(label="Вводимые показатели", required=False, default=dict)
    indicator_comments = serializers.DictField(
        label="Комментарии к показателям",
        child=serializers.CharField(allow_blank=True, max_length=5000),
        required=False,
        default=dict,
    )
    comments = serializers.CharField(
        label="Комментарий к отчёту", required=False, allow_blank=True, default="", max_length=5000
    )


class SubmitInputSerializer(DraftInputSerializer):
    year = serializers.IntegerField(label="Год")
    correction_reason = serializers.CharField(
        label="Причина исправления", required=False, allow_blank=True, default="", max_length=5000
    )


class DraftListItemSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    has_draft = serializers.BooleanField()
    updated_at = serializers.DateTimeField(allow_null=True)
    latest_report_id = serializers.IntegerField(allow_null=True)
    latest_version = serializers.IntegerField(allow_null=True)
