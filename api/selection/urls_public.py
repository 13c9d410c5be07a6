"""Selection API on the public host (included by api/urls_public.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import FederalCallViewSet, ReviewViewSet

router = SimpleRouter()
router.register("federal/calls", FederalCallViewSet, basename="federal-calls")
router.register("federal/reviews", ReviewViewSet, basename="federal-reviews")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
