"""API routes of the personal data area (included by api/urls_tenant.py; views in api.privacy.views)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import (
    ConsentPurposeViewSet,
    ConsentViewSet,
    IncidentViewSet,
    ProcessingActivityViewSet,
    SubjectRequestViewSet,
)

router = SimpleRouter()
router.register("consent-purposes", ConsentPurposeViewSet, basename="consent-purpose")
router.register("consents", ConsentViewSet, basename="consent")
router.register("processing-register", ProcessingActivityViewSet, basename="processing-register")
router.register("subject-requests", SubjectRequestViewSet, basename="subject-request")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
