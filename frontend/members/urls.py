"""Pages of the members area on a cluster host (namespace "members")."""

from django.urls import URLPattern, URLResolver

app_name = "members"
urlpatterns: list[URLPattern | URLResolver] = []
