"""API routes of the roadmap area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
