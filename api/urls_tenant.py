from django.urls import include, path

from .accounts import MeView
from .auth import TokenObtainView
from .clusters import CurrentClusterView

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("cluster/", CurrentClusterView.as_view(), name="cluster"),
    path("", include("api.members.urls")),
    path("", include("api.governance.urls")),
    path("", include("api.site.urls")),
    path("", include("api.urls_audit")),
    path("", include("api.roadmap.urls")),
    path("", include("api.fees.urls")),
    path("", include("api.billing.urls")),
    path("", include("api.bank_statements.urls")),
    path("", include("api.annual_report.urls")),
]
