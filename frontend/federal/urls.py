"""Pages of the ministry dashboards, on the public host area (namespace "federal", prefix /ministry/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "federal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("clusters/", views.clusters_redirect, name="clusters"),
    path("clusters/<slug:slug>/", views.cluster_detail, name="cluster"),
    path("export/clusters.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export/summary.pdf", views.export_pdf, name="export_pdf"),
]
