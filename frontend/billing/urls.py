"""Pages of the member portal invoices and payment, on a cluster host area (namespace "billing")."""

from django.urls import URLPattern, URLResolver

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = []
