"""API routes of the fee schedules and assessments area (included by api/urls_tenant.py; views in api.fees.views)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import AssessmentViewSet, FeeScheduleViewSet

router = SimpleRouter()
router.register("fee-schedules", FeeScheduleViewSet, basename="fee-schedule")
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
