from django.urls import include, path

app_name = "api"
urlpatterns = [
    path("", include("api.accounts.urls")),
    path("", include("api.accounts.urls_tenant")),
    path("", include("api.clusters.urls")),
    path("", include("api.members.urls")),
    path("", include("api.governance.urls")),
    path("", include("api.site.urls")),
    path("", include("api.audit.urls")),
    path("", include("api.roadmap.urls")),
    path("", include("api.fees.urls")),
    path("", include("api.billing.urls")),
    path("", include("api.bank_statements.urls")),
    path("", include("api.annual_report.urls")),
    path("", include("api.projects.urls")),
    path("", include("api.registry.urls")),
    path("", include("api.selection.urls_tenant")),
    path("", include("api.privacy.urls")),
]
