"""API routes of the governance area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .bodies import BodyViewSet, OfficerViewSet
from .committees import CommitteeViewSet
from .meetings import MeetingViewSet
from .voting import ProxyViewSet

router = SimpleRouter()
router.register("bodies", BodyViewSet, basename="body")
router.register("officers", OfficerViewSet, basename="officer")
router.register("committees", CommitteeViewSet, basename="committee")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("proxies", ProxyViewSet, basename="proxy")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
