"""API routes of the registry application (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import RegistryViewSet

router = SimpleRouter()
router.register("registry", RegistryViewSet, basename="registry")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
