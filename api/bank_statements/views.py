"""Bank statements for cluster admins and staff (member representatives get 403): upload →
preview with a state per line, apply (all or nothing), the queue's match and dismiss. Every
rule is in billing.statements.services; lookups stay inside the request's cluster."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.permissions import CLUSTER_MANAGERS
from billing.selectors import invoices_for_cluster
from billing.statements import parser, selectors, services
from billing.statements.models import BankStatement, BankStatementLine

from .serializers import (
    DismissSerializer,
    LineSerializer,
    MatchSerializer,
    StatementDetailSerializer,
    StatementSerializer,
    UploadSerializer,
)


class StatementsViewSet(ClusterViewSet):
    read_roles = CLUSTER_MANAGERS
    write_roles = CLUSTER_MANAGERS
    lookup_value_regex = r"\d+"


class BankStatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StatementsViewSet):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[BankStatement]:
        if getattr(self, "swagger_fake_view", False):
            return BankStatement.objects.none()
        qs = selectors.statements_for_cluster(self.cluster)
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("lines", queryset=BankStatementLine.objects.order_by("position"))
            )
        return qs

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return StatementSerializer if self.action == "list" else StatementDetailSerializer

    def out(self, statement: BankStatement, code: int = status.HTTP_200_OK) -> Response:
        return Response(StatementDetailSerializer(self.get_queryset().get(pk=statement.pk)).data, status=code)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: StatementDetailSerializer},
        description="Загрузить выписку 1CClientBankExchange (1.02/1.03; Windows-1251, DOS или UTF-8; "
        f"до {parser.MAX_BYTES // (1024 * 1024)} МБ). Ответ — предпросмотр: поступления на "
        "счёт получателя взносов со счётом и состоянием каждой строки; ничего не проводится.",
    )
    def create(self, request: Request) -> Response:
        upload = self.input(UploadSerializer)["file"]
        if upload.size and upload.size > parser.MAX_BYTES:
            raise serializers.ValidationError(
                {
                    "file": [
                        f"Файл больше {parser.MAX_BYTES // (1024 * 1024)} МБ: разбейте выписку по периодам."
                    ]
                }
            )
        statement = services.statement_import(
            actor=self.actor(),
            cluster=self.cluster,
            file_name=upload.name or "statement.txt",
            data=upload.read(),
        )
        return self.out(statement, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: StatementDetailSerializer},
        description="Провести выписку: платежи банковским переводом по сопоставленным строкам, "
        "всё или ничего. Уже проведённые платежи повторно не проводятся.",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        return self.out(services.statement_apply(actor=self.actor(), statement=self.get_object()))


class BankStatementLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StatementsViewSet):
    serializer_class = LineSerializer
    ordering_fields = ["date", "amount_kopecks", "id"]
    search_fields = ["payer_name", "payer_inn", "document_number", "purpose", "invoice_number"]

    def get_queryset(self) -> QuerySet[BankStatementLine]:
        if getattr(self, "swagger_fake_view", False):
            return BankStatementLine.objects.none()
        params = self.request.query_params
        statements = params.getlist("statement")
        if len(statements) > 1 or (statements and not statements[0].isdigit()):
            raise ValidationError({"statement": ["Укажите номер выписки числом."]})
        return selectors.lines_for_cluster(
            self.cluster,
            state=params.get("state") or None,
            statement_id=int(statements[0]) if statements else None,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                str,
                description="Состояние строки (matched, partial, overpaid, ambiguous, "
                "unmatched, already_imported, dismissed) или queue — ждут разбора.",
            ),
            OpenApiParameter("statement", int, description="Только строки этой выписки."),
        ]
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        request=MatchSerializer,
        responses={200: LineSerializer},
        description="Сопоставить строку из очереди с открытым счётом: проводится платёж.",
    )
    @action(detail=True, methods=["post"])
    def match(self, request: Request, pk: str) -> Response:
        line = self.get_object()
        invoice = invoices_for_cluster(self.cluster).filter(pk=self.input(MatchSerializer)["invoice"]).first()
        if invoice is None:
            raise serializers.ValidationError({"invoice": ["Такого счёта нет в этом кластере."]})
        line = services.line_match(actor=self.actor(), line=line, invoice=invoice)
        return Response(LineSerializer(self.get_queryset().get(pk=line.pk)).data)

    @extend_schema(
        request=DismissSerializer,
        responses={200: LineSerializer},
        description="Отклонить строку из очереди с причиной (не взнос, возврат плательщику …).",
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        line = services.line_dismiss(
            actor=self.actor(), line=self.get_object(), reason=self.input(DismissSerializer)["reason"]
        )
        return Response(LineSerializer(self.get_queryset().get(pk=line.pk)).data)
