"""Input and output of the bank statement API."""

from __future__ import annotations

from rest_framework import serializers

from billing.statements.models import BankStatement, BankStatementLine


class LineSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    statement = serializers.IntegerField(source="statement_id", read_only=True)
    invoice = serializers.IntegerField(source="invoice_id", read_only=True, allow_null=True)
    payment = serializers.IntegerField(source="payment_id", read_only=True, allow_null=True)
    in_queue = serializers.BooleanField(read_only=True)

    class Meta:
        model = BankStatementLine
        fields = [
            "id",
            "statement",
            "position",
            "state",
            "state_display",
            "invoice_number",
            "invoice",
            "candidates",
            "amount_kopecks",
            "payer_inn",
            "payer_name",
            "payer_account",
            "document_number",
            "document_kind",
            "date",
            "received_date",
            "purpose",
            "reason",
            "warnings",
            "booked",
            "payment",
            "in_queue",
            "resolved_at",
        ]


class StatementSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "file_name",
            "format_version",
            "encoding",
            "account",
            "date_from",
            "date_to",
            "status",
            "status_display",
            "credits",
            "debits_skipped",
            "others_skipped",
            "warnings",
            "created_at",
            "applied_at",
        ]


class StatementDetailSerializer(StatementSerializer):
    lines = LineSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "lines"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(label="Выписка 1CClientBankExchange (.txt)")


class MatchSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(label="Счёт (id)")


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(label="Причина", max_length=2000)
