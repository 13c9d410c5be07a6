"""API routes of the members area (included by api/urls_tenant.py); URL names unchanged."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .companies import CompanyViewSet, ImportJobViewSet
from .records import ContractViewSet, KpiViewSet, ProductViewSet

router = SimpleRouter()
router.register("members/imports", ImportJobViewSet, basename="member-import")
router.register("members", CompanyViewSet, basename="member")
router.register("products", ProductViewSet, basename="product")
router.register("kpis", KpiViewSet, basename="kpi")
router.register("contracts", ContractViewSet, basename="contract")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
