"""Pages of the audit area on a cluster host (namespace "audit")."""

from django.urls import URLPattern, URLResolver

app_name = "audit"
urlpatterns: list[URLPattern | URLResolver] = []
