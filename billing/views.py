"""The Stripe webhook endpoint (public host). An adapter: the work is in billing.webhooks."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .webhooks import webhook_receive

MAX_BODY_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, cluster_slug: str) -> JsonResponse:
    if getattr(request, "cluster", None) is not None:  # only on the public host
        return JsonResponse({"detail": "Адрес работает только на сайте платформы."}, status=404)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Слишком большое тело запроса."}, status=413)
    result = webhook_receive(cluster_slug=cluster_slug, payload=body,
                             signature=request.headers.get("Stripe-Signature", ""), host=request.get_host())
    return JsonResponse({"detail": result.detail, "event": result.event_id}, status=result.status_code)
