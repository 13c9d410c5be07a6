"""Pages of the fees and invoices for cluster staff, on a cluster host area (namespace "fees")."""

from django.urls import URLPattern, URLResolver

app_name = "fees"
urlpatterns: list[URLPattern | URLResolver] = []
