"""Operational endpoints served on every host (health, readiness, metrics); see clusterhub.ops."""

from django.urls import URLPattern, URLResolver, path

from clusterhub import ops

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", ops.healthz, name="ops-healthz"),
    path("readyz", ops.readyz, name="ops-readyz"),
    path("metrics", ops.metrics_view, name="ops-metrics"),
]
