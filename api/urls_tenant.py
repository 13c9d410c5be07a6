from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .content import NewsViewSet

router = SimpleRouter()
router.register("news", NewsViewSet, basename="news")

app_name = "api"
urlpatterns = [
    path("", include("api.accounts.urls")),
    path("", include("api.clusters.urls")),
    *router.urls,
    path("", include("api.urls_members")),
    path("", include("api.urls_governance")),
    path("", include("api.urls_site")),
    path("", include("api.audit.urls")),
    path("", include("api.urls_roadmap")),
    path("", include("api.urls_fees")),
    path("", include("api.urls_billing")),
    path("", include("api.urls_annual_reports")),
]
