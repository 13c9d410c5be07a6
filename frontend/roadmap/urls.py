"""Pages of the roadmap, on a cluster host area (namespace "roadmap")."""

from django.urls import URLPattern, URLResolver

app_name = "roadmap"
urlpatterns: list[URLPattern | URLResolver] = []
