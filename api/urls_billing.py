"""API routes of the invoices and payments (cluster side) area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
