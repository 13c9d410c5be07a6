"""API routes of joint projects and state support (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import IndicatorViewSet, ProjectViewSet, SupportViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register(r"projects/(?P<project_pk>\d+)/indicators", IndicatorViewSet, basename="project-indicator")
router.register("support-applications", SupportViewSet, basename="support-application")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
