"""Operational endpoints served on every host (health, readiness, metrics)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
