"""API routes of the federal (ministry) area (included by api/urls_public.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
