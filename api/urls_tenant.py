from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .accounts import MeView
from .auth import TokenObtainView
from .clusters import CurrentClusterView
from .content import NewsViewSet

router = SimpleRouter()
router.register("news", NewsViewSet, basename="news")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("cluster/", CurrentClusterView.as_view(), name="cluster"),
    *router.urls,
    path("", include("api.members.urls")),
    path("", include("api.urls_governance")),
    path("", include("api.urls_site")),
    path("", include("api.urls_audit")),
    path("", include("api.urls_roadmap")),
    path("", include("api.urls_fees")),
    path("", include("api.urls_billing")),
    path("", include("api.annual_report.urls")),
    path("", include("api.projects.urls")),
    path("", include("api.registry.urls")),
]
