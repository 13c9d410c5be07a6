"""API routes of the cluster card (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from .views import CurrentClusterView

urlpatterns: list[URLPattern | URLResolver] = [
    path("cluster/", CurrentClusterView.as_view(), name="cluster"),
]
