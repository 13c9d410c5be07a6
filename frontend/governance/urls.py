"""Pages of the governance area on a cluster host (namespace "governance")."""

from django.urls import URLPattern, URLResolver

app_name = "governance"
urlpatterns: list[URLPattern | URLResolver] = []
