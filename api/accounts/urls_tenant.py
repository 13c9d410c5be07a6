"""API routes of accounts on a cluster host only: its admins manage its staff's tokens."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .tokens import StaffTokenViewSet

router = SimpleRouter()
router.register("staff-tokens", StaffTokenViewSet, basename="staff-token")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
