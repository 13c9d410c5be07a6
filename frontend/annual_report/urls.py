"""Pages of the annual report drafting, on a cluster host area (namespace "annual")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "annual"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("<int:year>/", views.year_page, name="year"),
    path("<int:year>/figures/<slug:code>/", views.figure_rows, name="figure"),
    path("<int:year>/submit/", views.submit, name="submit"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/figures/<slug:code>/", views.report_figure_rows, name="report_figure"),
    path("reports/<int:pk>/pdf/", views.report_download, name="report_pdf"),
    path("registry/", views.registry, name="registry"),
    path("registry/application-pack.zip", views.registry_pack, name="registry_pack"),
]
