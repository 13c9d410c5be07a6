"""API routes of the fee schedules and assessments area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
