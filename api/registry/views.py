"""/api/v1/registry/application-pack/: the registry application as one ZIP (cluster admins and staff).

The files list the same participants and the same functional-dependence figure as the registry check
(tenants.reporting.application_pack builds both from one read of the cluster's rows).
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from core.clock import cluster_today
from tenants.reporting.application_pack import ZIP_TYPE, application_pack

from ..base import ClusterViewSet
from ..permissions import CLUSTER_MANAGERS


class RegistryViewSet(ClusterViewSet):
    read_roles = CLUSTER_MANAGERS

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year",
                OpenApiTypes.INT,
                description="Год, за который считаются договоры и функциональная "
                "зависимость (по умолчанию — прошлый год)",
            )
        ],
        responses={(200, ZIP_TYPE): OpenApiTypes.BINARY},
        description="Пакет документов для включения в реестр промышленных кластеров (ПП РФ № 779) одним "
        "ZIP-архивом: сопроводительное письмо (DOCX), перечень участников с ИНН, ОГРН и адресами "
        "(DOCX, XLSX), договоры о кооперации (XLSX), расчёт функциональной зависимости (XLSX), "
        "совместные проекты с целевыми показателями (XLSX), программа развития — дорожная карта "
        "(DOCX, XLSX).",
    )
    @action(detail=False, methods=["get"], url_path="application-pack")
    def application_pack(self, request: Request) -> HttpResponse:
        cluster = request.cluster  # type: ignore[attr-defined]
        raw = request.query_params.get("year", "").strip()
        year = None
        if raw:
            if not raw.isdigit() or not 2000 <= int(raw) <= cluster_today(cluster).year:
                raise ValidationError({"year": ["Укажите год от 2000 до текущего."]})
            year = int(raw)
        pack = application_pack(cluster=cluster, actor=self.actor(), year=year)
        response = HttpResponse(pack.content, content_type=ZIP_TYPE)
        response["Content-Disposition"] = pack.content_disposition
        return response
