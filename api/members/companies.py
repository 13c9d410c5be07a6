"""/api/v1/members/: member companies, their lifecycle, representatives, import and export.

Cluster admins and staff see and manage every company; a member representative sees only its
own company and may change only its profile. Other companies answer 404, as missing ones do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.jobs import job_fail_if_lost
from core.ru.regions import REGIONS
from tenants.governance.models import Decision
from tenants.members import services
from tenants.members.company_export import CONTENT_TYPE, companies_xlsx, export_filename
from tenants.members.company_import import import_job_create
from tenants.members.models import Company, ImportJob, Invitation, MembershipEvent
from tenants.members.selectors import (
    company_history,
    company_invitations_pending,
    company_list,
    company_representatives,
    import_job_get,
)

from ..base import ClusterViewSet
from ..permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS, HasClusterRole

# --- companies ----------------------------------------------------------------------------


class CompanyOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    region_name = serializers.SerializerMethodField()
    product_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Company
        fields = [
            "id",
            "full_name",
            "short_name",
            "kind",
            "kind_display",
            "legal_form",
            "inn",
            "ogrn",
            "kpp",
            "region_code",
            "region_name",
            "address",
            "website",
            "is_sez_resident",
            "special_territory",
            "okved_codes",
            "description",
            "services",
            "prospective_projects",
            "public_fields",
            "status",
            "status_display",
            "status_changed_at",
            "product_count",
            "created_at",
            "updated_at",
        ]

    def get_region_name(self, company: Company) -> str:
        return REGIONS.get(company.region_code, company.region_code)


class CompanyProfileInputSerializer(serializers.Serializer):
    """What a representative may change in its own company's card."""

    address = serializers.CharField(label="Адрес", max_length=500, required=False, allow_blank=True)
    website = serializers.CharField(label="Сайт", max_length=200, required=False, allow_blank=True)
    region_code = serializers.CharField(
        label="Регион (код ISO 3166-2:RU)", max_length=8, required=False, allow_blank=True
    )
    description = serializers.CharField(label="Описание", required=False, allow_blank=True)
    services = serializers.CharField(label="Услуги", required=False, allow_blank=True)
    prospective_projects = serializers.CharField(
        label="Перспективные проекты", required=False, allow_blank=True
    )
    okved_codes = serializers.ListField(
        label="Коды ОКВЭД2", child=serializers.CharField(max_length=12), required=False
    )
    public_fields = serializers.ListField(
        label="Публикуемые поля",
        required=False,
        child=serializers.ChoiceField(choices=list(Company.PUBLISHABLE_FIELDS)),
    )


class CompanyInputSerializer(CompanyProfileInputSerializer):
    full_name = serializers.CharField(label="Полное наименование", max_length=500)
    short_name = serializers.CharField(
        label="Краткое наименование", max_length=200, required=False, allow_blank=True
    )
    kind = serializers.ChoiceField(label="Тип", choices=Company.Kind.choices, required=False)
    legal_form = serializers.CharField(
        label="Организационно-правовая форма", max_length=100, required=False, allow_blank=True
    )
    inn = serializers.CharField(label="ИНН", max_length=14, required=False, allow_blank=True)
    ogrn = serializers.CharField(label="ОГРН/ОГРНИП", max_length=17, required=False, allow_blank=True)
    kpp = serializers.CharField(label="КПП", max_length=11, required=False, allow_blank=True)
    is_sez_resident = serializers.BooleanField(label="Резидент ОЭЗ", required=False)
    special_territory = serializers.ChoiceField(
        label="Моногород или ТОР (пусто — нет)",
        required=False,
        allow_blank=True,
        choices=Company.SpecialTerritory.choices,
    )


class CompanyCreateSerializer(CompanyInputSerializer):
    status = serializers.ChoiceField(
        label="Начальный статус",
        required=False,
        choices=[(s.value, s.label) for s in (Company.Status.INTERESTED, Company.Status.APPLIED)],
    )


class MembershipEventSerializer(serializers.ModelSerializer):
    from_status_display = serializers.CharField(source="get_from_status_display", read_only=True)
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)
    actor_email = serializers.CharField(source="actor.email", default="", read_only=True)
    decision_text = serializers.CharField(source="decision.text", default="", read_only=True)

    class Meta:
        model = MembershipEvent
        fields = [
            "id",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "at",
            "actor",
            "actor_email",
            "reason",
            "decision",
            "decision_text",
        ]


class LifecycleInputSerializer(serializers.Serializer):
    reason = serializers.CharField(label="Основание", required=False, allow_blank=True, default="")


class LifecycleDecisionInputSerializer(LifecycleInputSerializer):
    decision = serializers.PrimaryKeyRelatedField(
        label="Решение общего собрания",
        queryset=Decision.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )


class AdmitInputSerializer(serializers.Serializer):
    decision = serializers.PrimaryKeyRelatedField(
        label="Решение общего собрания о приёме", queryset=Decision.objects.all()
    )


class RepresentativeSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    since = serializers.DateTimeField(source="created_at")


class InvitationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "created_at", "expires_at", "accepted_at", "revoked_at"]


class RepresentativesOutputSerializer(serializers.Serializer):
    representatives = RepresentativeSerializer(many=True)
    invitations = InvitationOutputSerializer(many=True)


class InviteInputSerializer(serializers.Serializer):
    email = serializers.EmailField(label="E-mail")


class RevokeInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(label="Пользователь (id)")


class ImportJobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "original_name",
            "status",
            "status_display",
            "total",
            "processed",
            "percent",
            "created_count",
            "errors",
            "created_at",
            "finished_at",
        ]

    def get_percent(self, job: ImportJob) -> int:
        return job.percent


@extend_schema_serializer(component_name="CompanyImportInput")
class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(label="Файл CSV или XLSX")


LIFECYCLE_RESPONSES = {200: CompanyOutputSerializer}


class CompanyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    serializer_class = CompanyOutputSerializer
    read_roles = ANY_CLUSTER_ROLE
    write_roles = ANY_CLUSTER_ROLE  # what each may change (and who manages) is decided by the services
    lookup_value_regex = r"\d+"
    search_fields = ["short_name", "full_name", "inn", "ogrn"]
    ordering_fields = ["short_name", "full_name", "inn", "status", "status_changed_at", "created_at", "id"]
    ordering = ["short_name", "id"]
    filterset_fields = ["status", "kind", "region_code", "is_sez_resident", "special_territory"]

    def get_queryset(self) -> QuerySet[Company]:
        return company_list(access=self.access())

    def managers_only(self) -> None:
        if not self.access().manager:
            raise PermissionDenied(HasClusterRole.message)

    def out(self, company: Company) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=company.pk)
        return CompanyOutputSerializer(fresh).data

    @extend_schema(request=CompanyCreateSerializer, responses={201: CompanyOutputSerializer})
    def create(self, request: Request) -> Response:
        self.managers_only()  # refused before the body is read (a representative learns nothing from a 400)
        company = services.company_create(actor=self.actor(), **self.input(CompanyCreateSerializer))
        return Response(self.out(company), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CompanyInputSerializer,
        responses={200: CompanyOutputSerializer},
        description="Администраторы и сотрудники меняют любые поля карточки, представитель "
        "участника — только профиль своей организации. Статус меняется действиями.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        company = self.get_object()
        fields = self.input(CompanyInputSerializer, partial=True)
        company = services.company_update(company=company, actor=self.actor(), **fields)
        return Response(self.out(company))

    @extend_schema(responses={200: MembershipEventSerializer(many=True)})
    @action(
        detail=True, methods=["get"], pagination_class=None, filter_backends=[]
    )  # the whole list, as documented
    def history(self, request: Request, pk: str) -> Response:
        events = company_history(company=self.get_object())
        return Response(MembershipEventSerializer(events, many=True).data)

    # lifecycle -----------------------------------------------------------------------

    def _move(self, name: str, serializer: type[serializers.Serializer]) -> Response:
        company = self.get_object()
        fields = self.input(serializer)
        if fields.get("decision") is None:
            fields.pop("decision", None)
        company = services.LIFECYCLE_SERVICES[name](company=company, actor=self.actor(), **fields)
        return Response(self.out(company))

    @extend_schema(
        request=LifecycleInputSerializer,
        responses=LIFECYCLE_RESPONSES,
        description="Проявил интерес (или вышел / исключён) → подал заявку.",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        return self._move("apply", LifecycleInputSerializer)

    @extend_schema(
        request=AdmitInputSerializer,
        responses=LIFECYCLE_RESPONSES,
        description="Подал заявку → принят, по принятому решению общего собрания о приёме этой "
        "организации (повторный вызов с тем же решением ничего не меняет).",
    )
    @action(detail=True, methods=["post"])
    def admit(self, request: Request, pk: str) -> Response:
        company = self.get_object()
        decision = self.input(AdmitInputSerializer)["decision"]
        company = services.member_admit(company=company, decision=decision, actor=self.actor())
        return Response(self.out(company))

    @extend_schema(
        request=LifecycleInputSerializer,
        responses=LIFECYCLE_RESPONSES,
        description="Принят → действующий участник.",
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        return self._move("activate", LifecycleInputSerializer)

    @extend_schema(
        request=LifecycleDecisionInputSerializer,
        responses=LIFECYCLE_RESPONSES,
        description="Принят или действующий → членство приостановлено (основание обязательно).",
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        return self._move("suspend", LifecycleDecisionInputSerializer)

    @extend_schema(
        request=LifecycleInputSerializer,
        responses=LIFECYCLE_RESPONSES,
        description="Приостановлено → действующий участник.",
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        return self._move("resume", LifecycleInputSerializer)

    @extend_schema(
        request=LifecycleDecisionInputSerializer,
        responses=LIFECYCLE_RESPONSES,
        description="Участник выходит из кластера.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._move("withdraw", LifecycleDecisionInputSerializer)

    @extend_schema(
        request=LifecycleDecisionInputSerializer,
        responses=LIFECYCLE_RESPONSES,
        description="Участник исключён (основание обязательно).",
    )
    @action(detail=True, methods=["post"])
    def expel(self, request: Request, pk: str) -> Response:
        return self._move("expel", LifecycleDecisionInputSerializer)

    # representatives -----------------------------------------------------------------

    def _representatives(self, company: Company) -> Response:
        cluster = self.request.cluster  # type: ignore[attr-defined]
        data = {
            "representatives": list(company_representatives(company=company, cluster=cluster)),
            "invitations": list(company_invitations_pending(company=company, now=timezone.now())),
        }
        return Response(RepresentativesOutputSerializer(data).data)

    def _revoke(self, company: Company, user_id: Any) -> Response:
        try:
            user_id = int(user_id)
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError({"user": ["Укажите пользователя (id)."]}) from exc
        services.representative_revoke(company=company, user_id=user_id, actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        responses={200: RepresentativesOutputSerializer},
        description="Представители организации и неиспользованные приглашения.",
    )
    @extend_schema(
        methods=["POST"],
        request=InviteInputSerializer,
        responses={201: InvitationOutputSerializer},
        description="Пригласить представителя по e-mail (письмо со ссылкой уходит после записи).",
    )
    @extend_schema(
        methods=["DELETE"],
        request=RevokeInputSerializer,
        responses={204: None},
        parameters=[OpenApiParameter("user", OpenApiTypes.INT, description="id пользователя")],
        description="Отозвать права представителя (id пользователя в теле или в ?user=).",
    )
    @action(detail=True, methods=["get", "post", "delete"])
    def representatives(self, request: Request, pk: str) -> Response:
        company = self.get_object()
        if request.method == "GET":
            return self._representatives(company)
        if request.method == "DELETE":
            body = request.data if isinstance(request.data, dict) else {}
            return self._revoke(company, request.query_params.get("user") or body.get("user"))
        invitation = services.invitation_create(
            company=company,
            actor=self.actor(),
            base_url=request.build_absolute_uri("/"),
            **self.input(InviteInputSerializer),
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        operation_id="v1_members_representative_revoke",
        description="Отозвать права представителя.",
    )
    @action(detail=True, methods=["delete"], url_path=r"representatives/(?P<user_id>\d+)")
    def representative_revoke(self, request: Request, pk: str, user_id: str) -> Response:
        company = self.get_object()
        return self._revoke(company, user_id)

    # import and export ----------------------------------------------------------------

    @extend_schema(
        responses={(200, CONTENT_TYPE): OpenApiTypes.BINARY},
        description="Список участников (с теми же фильтрами, поиском и сортировкой, что и список) "
        "в XLSX с русскими заголовками.",
    )
    @action(detail=False, methods=["get"], read_roles=CLUSTER_MANAGERS)
    def export(self, request: Request) -> HttpResponse:
        companies = self.filter_queryset(self.get_queryset())
        response = HttpResponse(companies_xlsx(companies.iterator(chunk_size=500)), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
        return response

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        responses={202: ImportJobSerializer},
        description="Загрузить организации из CSV (UTF-8, «;» или «,») или XLSX: сначала "
        "проверяются все строки; при любой ошибке не загружается ничего. Ход загрузки: "
        "GET /api/v1/members/imports/{id}/.",
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request: Request) -> Response:
        self.managers_only()
        job = import_job_create(actor=self.actor(), **self.input(ImportInputSerializer))
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobViewSet(ClusterViewSet):
    """GET /api/v1/members/imports/{id}/: progress and errors of an import."""

    serializer_class = ImportJobSerializer
    read_roles = CLUSTER_MANAGERS
    write_roles = CLUSTER_MANAGERS
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ImportJob]:
        return ImportJob.objects.all()

    @extend_schema(
        responses={200: ImportJobSerializer, 404: OpenApiResponse(description="Нет такой загрузки.")}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        job = import_job_get(job_id=int(pk))
        if job is None:
            raise NotFound("Нет такой загрузки.")
        job_fail_if_lost(job)
        return Response(ImportJobSerializer(job).data)
