"""/api/v1/payee/: the cluster's payee — the bank details printed on every «Счёт на оплату»
and in its payment QR code, and the invoice's VAT line. Cluster admins only, as the payee page.

PUT sets every requisite, PATCH the ones given. БИК and accounts are checked by
billing.services.payee_save (Bank of Russia control key, core.ru.bank); errors come back as
Russian JSON keyed by field (api/exceptions.py). Payment gateway keys are not part of this
endpoint (they are set on the payee page and never shown again).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterGenericAPIView
from billing import services
from billing.models import DEFAULT_VAT_NOTE, Payee
from billing.selectors import payee_for_cluster
from core.accounts.models import Grant
from core.audit.services import Actor

CLUSTER_ADMINS = frozenset({Grant.Role.CLUSTER_ADMIN})
REQUISITES = [
    "name",
    "inn",
    "kpp",
    "address",
    "bank_name",
    "bik",
    "account",
    "correspondent_account",
    "director",
    "accountant",
    "vat_note",
]


class PayeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payee
        fields = [*REQUISITES, "updated_at"]


class PayeeInputSerializer(serializers.Serializer):
    """Parsing only (spaces inside numbers are allowed: «044 525 225»); the service validates."""

    name = serializers.CharField(max_length=300, label="Получатель")
    inn = serializers.CharField(max_length=20, label="ИНН")
    kpp = serializers.CharField(max_length=20, required=False, allow_blank=True, label="КПП")
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, label="Адрес")
    bank_name = serializers.CharField(max_length=300, label="Банк")
    bik = serializers.CharField(max_length=20, label="БИК")
    account = serializers.CharField(max_length=40, label="Расчётный счёт")
    correspondent_account = serializers.CharField(max_length=40, label="Корреспондентский счёт")
    director = serializers.CharField(max_length=200, required=False, allow_blank=True, label="Руководитель")
    accountant = serializers.CharField(
        max_length=200, required=False, allow_blank=True, label="Главный бухгалтер"
    )
    vat_note = serializers.CharField(
        max_length=200, required=False, default=DEFAULT_VAT_NOTE, label="Строка НДС в счёте"
    )


class PayeeView(ClusterGenericAPIView):
    serializer_class = PayeeSerializer
    read_roles = CLUSTER_ADMINS
    write_roles = CLUSTER_ADMINS

    def _payee(self) -> Payee:
        payee = payee_for_cluster(self.request.cluster)  # type: ignore[attr-defined]
        if payee is None:
            raise NotFound("Реквизиты получателя платежей ещё не заполнены.")
        return payee

    def _save(self, fields: dict[str, Any]) -> Response:
        payee = services.payee_save(
            actor=Actor.from_request(self.request),
            cluster=self.request.cluster,  # type: ignore[attr-defined]
            fields=fields,
        )
        return Response(PayeeSerializer(payee).data)

    @extend_schema(responses=PayeeSerializer, description="Реквизиты получателя платежей кластера.")
    def get(self, request: Request) -> Response:
        return Response(PayeeSerializer(self._payee()).data)

    @extend_schema(
        request=PayeeInputSerializer,
        responses=PayeeSerializer,
        description="Задать все реквизиты получателя (БИК, счета проверяются по контрольному ключу).",
    )
    def put(self, request: Request) -> Response:
        data = PayeeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._save(dict(data.validated_data))

    @extend_schema(
        request=PayeeInputSerializer(partial=True),
        responses=PayeeSerializer,
        description="Изменить часть реквизитов получателя; остальные остаются прежними.",
    )
    def patch(self, request: Request) -> Response:
        current = {name: getattr(self._payee(), name) for name in REQUISITES}
        data = PayeeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return self._save(current | dict(data.validated_data))
