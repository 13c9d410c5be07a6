"""API routes of the invoices and payments (cluster side) area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .payee import PayeeView
from .views import InvoiceViewSet, PaymentViewSet

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("payee/", PayeeView.as_view(), name="payee"),
]
