"""Public-host billing routes: the Stripe webhook and YooKassa notifications per cluster payee."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("stripe/webhook/<slug:cluster_slug>/", views.stripe_webhook, name="stripe_webhook"),
    path("yookassa/notify/<slug:cluster_slug>/", views.yookassa_notify, name="yookassa_notify"),
]
