"""API routes of the invoices and payments (cluster side) area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import InvoiceViewSet, PaymentViewSet

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
