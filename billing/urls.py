"""Public-host billing routes: the Stripe webhook per cluster payee."""

from django.urls import URLPattern, URLResolver

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = []
