"""API routes of the site area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
