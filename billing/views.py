"""Gateway endpoints on the public host: the Stripe webhook and YooKassa notifications.
Adapters: the work is in billing.webhooks."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clusterhub.lean import lean_endpoint

from .webhooks import webhook_receive, yookassa_notification_receive

MAX_BODY_BYTES = 512 * 1024


@lean_endpoint
@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, cluster_slug: str) -> JsonResponse:
    if getattr(request, "cluster", None) is not None:  # only on the public host
        return JsonResponse({"detail": "Адрес работает только на сайте платформы."}, status=404)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Слишком большое тело запроса."}, status=413)
    result = webhook_receive(
        cluster_slug=cluster_slug,
        payload=body,
        signature=request.headers.get("Stripe-Signature", ""),
        host=request.get_host(),
    )
    return JsonResponse({"detail": result.detail, "event": result.event_id}, status=result.status_code)


def sender_address(request: HttpRequest) -> str:
    """The address a request came from: REMOTE_ADDR, or nginx's X-Real-IP when REMOTE_ADDR is our
    own proxy (loopback or a private network; nginx overwrites the header, a client cannot set it)."""
    remote = request.META.get("REMOTE_ADDR", "")
    real = request.META.get("HTTP_X_REAL_IP", "").strip()
    try:
        proxied = ipaddress.ip_address(remote).is_private
    except ValueError:
        proxied = False
    return real if real and proxied else remote


@lean_endpoint
@csrf_exempt
@require_POST
def yookassa_notify(request: HttpRequest, cluster_slug: str) -> JsonResponse:
    """YooKassa's HTTP notifications for the cluster's payee: 200 when handled (or not ours),
    503 when YooKassa cannot be asked to confirm now (it retries), 403 from outside its networks."""
    if getattr(request, "cluster", None) is not None:  # only on the public host
        return JsonResponse({"detail": "Адрес работает только на сайте платформы."}, status=404)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Слишком большое тело запроса."}, status=413)
    result = yookassa_notification_receive(
        cluster_slug=cluster_slug, payload=body, sender=sender_address(request), host=request.get_host()
    )
    return JsonResponse({"detail": result.detail, "event": result.event_id}, status=result.status_code)
