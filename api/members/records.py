"""/api/v1/products/, /api/v1/kpis/, /api/v1/contracts/: members' products, yearly figures and
cooperation contracts.

Cluster admins and staff see and change everything; a member representative sees and changes
the products and the yearly figures of its own company (figures only while a draft) and reads
the contracts its company is a party to. Money is in kopecks (integers).
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.ru.money import format_roubles
from tenants.members import services
from tenants.members.models import Company, CooperationContract, KpiReport, Product
from tenants.members.selectors import contract_list, kpi_list, product_list

from ..base import ClusterViewSet
from ..permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    read_roles = ANY_CLUSTER_ROLE
    write_roles = ANY_CLUSTER_ROLE  # the services decide per company
    lookup_value_regex = r"\d+"

    def own_company(self, company: Company | None) -> Company:
        """The company named in the input; a representative of one company may leave it out."""
        if company is not None:
            return company
        access = self.access()
        if not access.manager and len(access.company_ids) == 1:
            return Company.objects.get(pk=next(iter(access.company_ids)))
        raise serializers.ValidationError({"company": ["Укажите организацию."]})


# --- products -----------------------------------------------------------------------------


class ProductOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    company_name = serializers.CharField(source="company.short_name", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "company",
            "company_name",
            "name",
            "kind",
            "kind_display",
            "description",
            "registration_number",
            "in_innovation_registry",
            "innovation_registry_date",
            "is_published",
            "created_at",
        ]


class ProductInputSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(
        label="Организация", queryset=Company.objects.all(), required=False, allow_null=True, default=None
    )
    name = serializers.CharField(label="Наименование", max_length=300)
    kind = serializers.ChoiceField(
        label="Вид", choices=Product.Kind.choices, default=Product.Kind.MEDICAL_DEVICE
    )
    description = serializers.CharField(label="Описание", required=False, allow_blank=True, default="")
    registration_number = serializers.CharField(
        label="Регистрационное удостоверение", max_length=60, required=False, allow_blank=True, default=""
    )
    in_innovation_registry = serializers.BooleanField(
        label="В реестре инновационной продукции", default=False
    )
    innovation_registry_date = serializers.DateField(
        label="Дата включения в реестр", required=False, allow_null=True, default=None
    )
    is_published = serializers.BooleanField(label="Показывать в каталоге", default=True)


class ProductViewSet(RecordViewSet):
    serializer_class = ProductOutputSerializer
    search_fields = ["name", "registration_number", "company__short_name"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]
    filterset_fields = ["company", "kind", "in_innovation_registry", "is_published"]

    def get_queryset(self) -> QuerySet[Product]:
        return product_list(access=self.access())

    @extend_schema(
        request=ProductInputSerializer,
        responses={201: ProductOutputSerializer},
        description="Представитель участника добавляет продукцию своей организации (поле company "
        "можно не указывать).",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(ProductInputSerializer)
        company = self.own_company(fields.pop("company"))
        product = services.product_create(actor=self.actor(), company=company, **fields)
        return Response(ProductOutputSerializer(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProductInputSerializer, responses={200: ProductOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        product = self.get_object()
        fields = self.input(ProductInputSerializer, partial=True)
        if fields.get("company", product.company) is None:
            fields.pop("company")
        product = services.product_update(product=product, actor=self.actor(), **fields)
        return Response(ProductOutputSerializer(product).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.product_delete(product=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- yearly figures -----------------------------------------------------------------------


class KpiOutputSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.short_name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    roubles = serializers.SerializerMethodField(help_text="Суммы в рублях, как их пишут: «1 234 567,89».")

    class Meta:
        model = KpiReport
        fields = [
            "id",
            "company",
            "company_name",
            "year",
            *KpiReport.MONEY_FIELDS,
            *KpiReport.COUNT_FIELDS,
            "roubles",
            "status",
            "status_display",
            "submitted_at",
            "accepted_at",
            "updated_at",
        ]

    def get_roubles(self, report: KpiReport) -> dict[str, str]:
        return {name: format_roubles(getattr(report, name)) for name in KpiReport.MONEY_FIELDS}


def _money(label: str) -> serializers.IntegerField:
    return serializers.IntegerField(label=f"{label}, коп.", min_value=0, required=False, default=0)


def _count(label: str) -> serializers.IntegerField:
    return serializers.IntegerField(label=label, min_value=0, required=False, default=0)


class KpiFiguresSerializer(serializers.Serializer):
    revenue = _money("Выручка")
    revenue_medical_devices = _money("Выручка от медицинских изделий")
    investment = _money("Инвестиции")
    export = _money("Экспорт")
    rnd_spend = _money("Расходы на НИОКР")
    taxes_paid = _money("Уплаченные налоги")
    employees = _count("Численность работников")
    new_jobs = _count("Новые рабочие места")
    products_launched = _count("Выведено продуктов на рынок")


class KpiInputSerializer(KpiFiguresSerializer):
    company = serializers.PrimaryKeyRelatedField(
        label="Организация", queryset=Company.objects.all(), required=False, allow_null=True, default=None
    )
    year = serializers.IntegerField(label="Год")


class KpiReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label="Что исправить", required=False, allow_blank=True, default="")


class KpiViewSet(RecordViewSet):
    serializer_class = KpiOutputSerializer
    search_fields = ["company__short_name", "company__inn"]
    ordering_fields = ["year", "company__short_name", "revenue", "status", "id"]
    ordering = ["-year", "company__short_name", "id"]
    filterset_fields = ["company", "year", "status"]

    def get_queryset(self) -> QuerySet[KpiReport]:
        return kpi_list(access=self.access())

    @extend_schema(
        request=KpiInputSerializer,
        responses={201: KpiOutputSerializer},
        description="Черновик показателей организации за год (один на организацию и год). "
        "Суммы — в копейках.",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(KpiInputSerializer)
        company = self.own_company(fields.pop("company"))
        report = services.kpi_create(actor=self.actor(), company=company, **fields)
        return Response(KpiOutputSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=KpiFiguresSerializer,
        responses={200: KpiOutputSerializer},
        description="Представитель меняет только черновик; сотрудники — пока показатели не приняты.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        report = services.kpi_update(
            report=report, actor=self.actor(), **self.input(KpiFiguresSerializer, partial=True)
        )
        return Response(KpiOutputSerializer(report).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.kpi_delete(report=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: KpiOutputSerializer}, description="Черновик → отправлен.")
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        report = services.kpi_submit(report=self.get_object(), actor=self.actor())
        return Response(KpiOutputSerializer(report).data)

    @extend_schema(
        request=None,
        responses={200: KpiOutputSerializer},
        description="Отправлен → принят (администраторы и сотрудники кластера).",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        report = services.kpi_accept(report=self.get_object(), actor=self.actor())
        return Response(KpiOutputSerializer(report).data)

    @extend_schema(
        request=KpiReturnSerializer,
        responses={200: KpiOutputSerializer},
        description="Вернуть в черновик (администраторы и сотрудники кластера).",
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request: Request, pk: str) -> Response:
        report = services.kpi_return(
            report=self.get_object(), actor=self.actor(), **self.input(KpiReturnSerializer)
        )
        return Response(KpiOutputSerializer(report).data)


# --- cooperation contracts ----------------------------------------------------------------


class ContractOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    party_a_name = serializers.CharField(source="party_a.short_name", read_only=True)
    party_b_name = serializers.CharField(source="party_b.short_name", read_only=True)
    amount = serializers.SerializerMethodField(help_text="Сумма в рублях: «1 234 567,89».")

    class Meta:
        model = CooperationContract
        fields = [
            "id",
            "kind",
            "kind_display",
            "party_a",
            "party_a_name",
            "party_b",
            "party_b_name",
            "number",
            "signed_on",
            "amount_kopecks",
            "amount",
            "subject",
            "created_at",
            "updated_at",
        ]

    def get_amount(self, contract: CooperationContract) -> str:
        return format_roubles(contract.amount_kopecks)


class ContractInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид", choices=CooperationContract.Kind.choices)
    party_a = serializers.PrimaryKeyRelatedField(
        label="Поставщик (сторона А)", queryset=Company.objects.all()
    )
    party_b = serializers.PrimaryKeyRelatedField(
        label="Покупатель (сторона Б)", queryset=Company.objects.all()
    )
    number = serializers.CharField(label="Номер договора", max_length=100)
    signed_on = serializers.DateField(label="Дата заключения")
    amount_kopecks = serializers.IntegerField(label="Сумма, коп.", min_value=0, required=False, default=0)
    subject = serializers.CharField(label="Предмет договора")


class ContractViewSet(RecordViewSet):
    serializer_class = ContractOutputSerializer
    write_roles = CLUSTER_MANAGERS
    search_fields = ["number", "subject", "party_a__short_name", "party_b__short_name"]
    ordering_fields = ["signed_on", "amount_kopecks", "number", "id"]
    ordering = ["-signed_on", "-id"]
    filterset_fields = ["kind", "party_a", "party_b"]

    def get_queryset(self) -> QuerySet[CooperationContract]:
        return contract_list(access=self.access())

    @extend_schema(request=ContractInputSerializer, responses={201: ContractOutputSerializer})
    def create(self, request: Request) -> Response:
        contract = services.contract_create(actor=self.actor(), **self.input(ContractInputSerializer))
        return Response(ContractOutputSerializer(contract).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContractInputSerializer, responses={200: ContractOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        contract = services.contract_update(
            contract=self.get_object(),
            actor=self.actor(),
            **self.input(ContractInputSerializer, partial=True),
        )
        return Response(ContractOutputSerializer(contract).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.contract_delete(contract=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)
