"""Pages of the annual report drafting, on a cluster host area (namespace "annual")."""

from django.urls import URLPattern, URLResolver

app_name = "annual"
urlpatterns: list[URLPattern | URLResolver] = []
