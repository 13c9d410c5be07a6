"""API routes of the annual report drafting area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
