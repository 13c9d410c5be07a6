"""API routes of the federal (ministry) area (included by api/urls_public.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .views import (
    FederalClusterViewSet,
    FederalDashboardView,
    FederalProjectViewSet,
    FederalRegistryCheckViewSet,
    FederalReportViewSet,
)

router = SimpleRouter()
router.register("federal/clusters", FederalClusterViewSet, basename="federal-clusters")
router.register("federal/reports", FederalReportViewSet, basename="federal-reports")
router.register("federal/projects", FederalProjectViewSet, basename="federal-projects")
router.register("federal/registry-checks", FederalRegistryCheckViewSet, basename="federal-registry-checks")

urlpatterns: list[URLPattern | URLResolver] = [
    path("federal/dashboard/", FederalDashboardView.as_view(), name="federal-dashboard"),
    *router.urls,
]
