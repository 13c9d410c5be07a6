"""/api/v1/invoices/ and /api/v1/payments/: fee invoices, online payment, bank transfers.

A member representative sees only its own company's invoices (others answer 404, as missing
ones do) and may start an online payment for them; cluster admins and staff see every
invoice of the cluster, record bank transfers, refunds and voids. All writes go through
billing.services; the Stripe webhook lives on the public host (billing/urls.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS
from billing import documents, services
from billing.models import Invoice, InvoiceLine, Payment, Refund
from billing.selectors import invoices_for_cluster, payee_for_cluster, payments_for_cluster
from tenants.models import Cluster


class BillingViewSet(ClusterViewSet):
    """Cluster view sets of billing (helpers in api.base.ClusterViewSet)."""


# --- invoices -----------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "code", "description", "quantity", "unit_price_kopecks", "amount_kopecks"]


class InvoiceSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    outstanding_kopecks = serializers.IntegerField(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payment_options = serializers.SerializerMethodField(
        help_text="What «Оплатить» offers the caller: [{method, label}] (empty: pay by bank transfer)."
    )

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "company_id",
            "company_name",
            "company_inn",
            "company_kpp",
            "period_label",
            "issue_date",
            "due_date",
            "amount_kopecks",
            "paid_kopecks",
            "outstanding_kopecks",
            "currency",
            "status",
            "status_display",
            "paid_at",
            "voided_at",
            "void_reason",
            "lines",
            "created_at",
            "payment_options",
        ]

    def get_payment_options(self, invoice: Invoice) -> list[dict[str, str]]:
        """The payee's options when the caller represents the invoiced company (one payee query
        per request, not per invoice)."""
        if not invoice.is_payable or invoice.company_id not in self.context.get("payer_company_ids", ()):
            return []
        cache: dict[str, list[tuple[str, str]]] = self.context.get("payee_options", {})
        if "options" not in cache:
            payee = payee_for_cluster(invoice.cluster)
            cache["options"] = payee.payment_options() if payee is not None else []
        return [{"method": code, "label": label} for code, label in cache["options"]]


class PaymentStartSerializer(serializers.Serializer):
    gateway = serializers.CharField(help_text="stripe or yookassa.")
    method = serializers.CharField(
        help_text="The way to pay: stripe:card, yookassa:bank_card, yookassa:sbp, yookassa:b2b_sberbank."
    )
    payment_intent = serializers.CharField(required=False, help_text="Stripe: id of the PaymentIntent.")
    client_secret = serializers.CharField(
        required=False, help_text="Stripe: client secret of the PaymentIntent (Stripe.js)."
    )
    setup_client_secret = serializers.CharField(
        required=False, help_text="Stripe: client secret of a SetupIntent for the card Element."
    )
    publishable_key = serializers.CharField(required=False)
    payment_id = serializers.CharField(required=False, help_text="YooKassa: id of the payment.")
    confirmation_url = serializers.CharField(
        required=False, help_text="YooKassa: the page where the payer confirms the payment."
    )
    amount_kopecks = serializers.IntegerField()
    currency = serializers.CharField()


class PayInputSerializer(serializers.Serializer):
    method = serializers.CharField(
        label="Способ оплаты",
        required=False,
        default="stripe:card",
        help_text="One of the payee's options (`payment_options` of the invoice).",
    )


class VoidInputSerializer(serializers.Serializer):
    reason = serializers.CharField(label="Причина аннулирования")


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BillingViewSet):
    serializer_class = InvoiceSerializer
    read_roles = ANY_CLUSTER_ROLE
    write_roles = ANY_CLUSTER_ROLE  # pay: representatives of the company; void: managers (services decide)
    lookup_value_regex = r"\d+"
    search_fields = ["number", "company_name", "company_inn", "period_label"]
    ordering_fields = ["issue_date", "due_date", "amount_kopecks", "number", "company_name", "status", "id"]
    ordering = ["-issue_date", "-id"]
    filterset_fields = ["status", "company_id", "period_label"]

    def get_queryset(self) -> QuerySet[Invoice]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no request cluster
            return Invoice.objects.none()
        access = self.access()
        return invoices_for_cluster(
            self.cluster, company_ids=None if access.manager else access.company_ids
        ).prefetch_related("lines")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False) and isinstance(
            getattr(self.request, "cluster", None), Cluster
        ):
            context["payer_company_ids"] = self.access().company_ids  # who may pay: services.may_pay
            context["payee_options"] = {}
        return context

    @extend_schema(
        request=PayInputSerializer,
        responses={200: PaymentStartSerializer},
        description="Начинает оплату остатка по счёту выбранным способом (`method`, по умолчанию "
        "stripe:card): Stripe — PaymentIntent и секреты для Stripe.js; ЮKassa (yookassa:"
        "bank_card, yookassa:sbp, yookassa:b2b_sberbank) — платёж и `confirmation_url`, "
        "куда отправить плательщика. Повторный вызов возвращает тот же платёж. Только "
        "представитель организации-плательщика. Счёт отмечается оплаченным только по "
        "уведомлению шлюза. 503, если платёжный сервис недоступен.",
    )
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str) -> Response:
        invoice = self.get_object()
        fields = self.input(PayInputSerializer)
        back = request.build_absolute_uri(f"/billing/invoices/{invoice.pk}/?payment=return")
        start = services.payment_begin(
            actor=self.actor(), invoice=invoice, option=fields["method"], return_url=back
        )  # who may pay: the service
        if isinstance(start, services.RedirectStart):
            return Response(
                PaymentStartSerializer(
                    {
                        "gateway": "yookassa",
                        "method": fields["method"],
                        "payment_id": start.payment.yookassa_payment_id,
                        "confirmation_url": start.confirmation_url,
                        "amount_kopecks": start.amount_kopecks,
                        "currency": invoice.currency,
                    }
                ).data
            )
        return Response(
            PaymentStartSerializer(
                {
                    "gateway": "stripe",
                    "method": "stripe:card",
                    "payment_intent": start.payment_intent_id,
                    "client_secret": start.payment_client_secret,
                    "setup_client_secret": start.setup_client_secret,
                    "publishable_key": start.publishable_key,
                    "amount_kopecks": start.amount_kopecks,
                    "currency": invoice.currency,
                }
            ).data
        )

    @extend_schema(responses={(200, "application/pdf"): bytes}, description="«Счёт на оплату» в PDF.")
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        invoice = self.get_object()
        response = HttpResponse(
            documents.invoice_pdf(invoice, payee_for_cluster(invoice.cluster)), content_type="application/pdf"
        )
        response["Content-Disposition"] = documents.content_disposition(
            documents.filename(invoice, "invoice"), "invoice"
        )
        return response

    @extend_schema(
        request=VoidInputSerializer,
        responses={200: InvoiceSerializer},
        description="Аннулировать счёт без поступивших платежей (администратор или сотрудник).",
    )
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        invoice = self.get_object()
        fields = self.input(VoidInputSerializer)
        services.invoice_void(actor=self.actor(), invoice=invoice, reason=fields["reason"])
        return Response(InvoiceSerializer(self.get_queryset().get(pk=invoice.pk)).data)


# --- payments -----------------------------------------------------------------------------


class RefundSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "payment", "amount_kopecks", "reason", "status", "status_display", "created_at"]


class PaymentSerializer(serializers.ModelSerializer):
    method_display = serializers.CharField(source="method_label", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "method",
            "method_display",
            "status",
            "status_display",
            "gateway",
            "gateway_method",
            "amount_kopecks",
            "currency",
            "refunded_kopecks",
            "stripe_payment_intent_id",
            "yookassa_payment_id",
            "order_number",
            "order_date",
            "failure_message",
            "created_at",
            "succeeded_at",
        ]


class ManualPaymentInputSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(label="Счёт (id)")
    amount_kopecks = serializers.IntegerField(label="Сумма, коп.", min_value=1)
    order_number = serializers.CharField(label="Номер платёжного поручения", max_length=40)
    order_date = serializers.DateField(label="Дата платёжного поручения")


class RefundInputSerializer(serializers.Serializer):
    amount_kopecks = serializers.IntegerField(label="Сумма, коп.", min_value=1)
    reason = serializers.CharField(label="Причина возврата")


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BillingViewSet):
    serializer_class = PaymentSerializer
    read_roles = CLUSTER_MANAGERS
    write_roles = CLUSTER_MANAGERS
    lookup_value_regex = r"\d+"
    search_fields = ["invoice__number", "invoice__company_name", "order_number", "stripe_payment_intent_id"]
    ordering_fields = ["created_at", "succeeded_at", "amount_kopecks", "id"]
    ordering = ["-created_at", "-id"]
    filterset_fields = ["method", "status"]

    def get_queryset(self) -> QuerySet[Payment]:
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        payments = payments_for_cluster(self.cluster)
        invoice = self.request.query_params.get("invoice", "")
        # ?invoice=<id> inside this cluster's payments only (never a lookup across clusters)
        return payments.filter(invoice_id=int(invoice)) if invoice.isdigit() else payments

    @extend_schema(
        request=ManualPaymentInputSerializer,
        responses={201: PaymentSerializer},
        description="Учесть банковский перевод по счёту (номер и дата платёжного поручения); "
        "частичная оплата допускается.",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(ManualPaymentInputSerializer)
        invoice = invoices_for_cluster(self.cluster).filter(pk=fields.pop("invoice")).first()
        if invoice is None:
            raise serializers.ValidationError({"invoice": ["Такого счёта нет в этом кластере."]})
        payment = services.payment_record_manual(actor=self.actor(), invoice=invoice, **fields)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RefundInputSerializer,
        responses={201: RefundSerializer},
        description="Возврат по проведённому платежу (онлайн-платёж возвращается через Stripe).",
    )
    @action(detail=True, methods=["post"])
    def refund(self, request: Request, pk: str) -> Response:
        payment = self.get_object()
        fields = self.input(RefundInputSerializer)
        refund = services.payment_refund(actor=self.actor(), payment=payment, **fields)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
