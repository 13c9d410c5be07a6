"""django-tenants' stock TenantMainMiddleware, as the baseline for per-request SQL.

The only addition is `request.cluster`, which our views and context processor read
(ClusterRoutingMiddleware sets it). It is a plain attribute copy: no SQL, so the
statements counted under this middleware are exactly the stock middleware's.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django_tenants.middleware.main import TenantMainMiddleware

STOCK_MIDDLEWARE = "django_tenants.middleware.main.TenantMainMiddleware"
BENCH_STOCK_MIDDLEWARE = "bench.stock.StockTenantMiddleware"


class StockTenantMiddleware(TenantMainMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        response: HttpResponse | None = super().process_request(request)
        request.cluster = getattr(request, "tenant", None)  # type: ignore[attr-defined]
        return response
