"""Selection API on cluster hosts (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import ProgramApplicationViewSet

router = SimpleRouter()
router.register("program-applications", ProgramApplicationViewSet, basename="program-applications")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
