"""Pages of the ministry dashboards, on the public host area (namespace "federal")."""

from django.urls import URLPattern, URLResolver

app_name = "federal"
urlpatterns: list[URLPattern | URLResolver] = []
