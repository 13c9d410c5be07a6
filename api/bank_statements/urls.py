"""API routes of bank statements (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import BankStatementLineViewSet, BankStatementViewSet

router = SimpleRouter()
router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
router.register("bank-statement-lines", BankStatementLineViewSet, basename="bank-statement-line")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
