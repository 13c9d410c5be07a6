from django.urls import include, path

app_name = "api"
urlpatterns = [
    path("", include("api.accounts.urls")),
    path("", include("api.federal.urls")),
    path("", include("api.selection.urls_public")),
    path("", include("api.clusters.urls_public")),
]
