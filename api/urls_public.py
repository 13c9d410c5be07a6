from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .accounts import MeView
from .auth import TokenObtainView
from .clusters import FederalClusterViewSet

router = SimpleRouter()
router.register("federal/clusters", FederalClusterViewSet, basename="federal-clusters")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
    path("", include("api.urls_federal")),
]
