"""API routes of the audit area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import AuditViewSet

router = SimpleRouter()
router.register("audit", AuditViewSet, basename="audit")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
