"""Pages of the site area on a cluster host (namespace "site")."""

from django.urls import URLPattern, URLResolver

app_name = "site"
urlpatterns: list[URLPattern | URLResolver] = []
