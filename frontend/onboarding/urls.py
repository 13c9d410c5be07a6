"""The first set-up of a cluster «в подготовке» on its host (namespace "setup")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "setup"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.checklist, name="checklist"),
    path("name/", views.name_step, name="name"),
    path("regions/", views.regions_step, name="regions"),
    path("logo/", views.logo_step, name="logo"),
    path("logo/file/", views.logo_file, name="logo_file"),
    path("import-later/", views.import_later, name="import_later"),
    path("activate/", views.activate, name="activate"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation"),
]
