"""Pages of the audit area on a cluster host (namespace "audit")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "audit"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.audit_log, name="log"),
]
