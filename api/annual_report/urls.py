"""API routes of the annual report drafting area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import AnnualReportViewSet

router = SimpleRouter()
router.register("annual-reports", AnnualReportViewSet, basename="annual-report")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
