"""Clusters API on the public host (included by api/urls_public.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .platform import PlatformClusterViewSet

router = SimpleRouter()
router.register("clusters", PlatformClusterViewSet, basename="platform-clusters")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
