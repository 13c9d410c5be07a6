"""Member portal pages of fee billing on a cluster host: «Мои счета», an invoice with its PDF
and receipt, online payment through Stripe.js, and the payee settings of the cluster admin.

A member representative sees only its own company's invoices (others answer 404, as missing
ones do); cluster admins and staff see all of the cluster's. The payment page never marks
anything paid: only the Stripe webhook (or the reconciliation task) does; the page polls.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import documents, gateway, services
from billing.models import Invoice, Payee
from billing.selectors import INVOICE_ORDERINGS, UNPAID, invoice_get, invoices_for_cluster, payee_for_cluster
from clusterhub.security import policy_header_value
from core.accounts.access import MemberAccess, member_access
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from core.ru.money import format_roubles
from frontend.access import cluster_role_required, forbidden, not_found
from frontend.forms import apply_errors

from .forms import PayeeForm

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
readers = cluster_role_required(Grant.CLUSTER_ROLES)
admins = cluster_role_required({Grant.Role.CLUSTER_ADMIN})


def _access(request: HttpRequest) -> MemberAccess:
    return member_access(user=request.user, cluster=request.cluster)  # type: ignore[attr-defined]


def _invoice(request: HttpRequest, pk: int) -> Invoice | None:
    """The invoice if it is this cluster's and the user may see it (else None → 404)."""
    invoice = invoice_get(request.cluster, pk)  # type: ignore[attr-defined]
    if invoice is None or not _access(request).can_see(invoice.company_id):
        return None
    return invoice


def _is_payer(request: HttpRequest, invoice: Invoice) -> bool:
    """Representatives of the invoiced company pay; staff record bank transfers instead."""
    access = _access(request)
    return invoice.company_id in access.company_ids


def stripe_js_url() -> str:
    """Stripe.js: the real one, or the fake one localstripe serves when STRIPE_API_BASE is set."""
    base = settings.STRIPE_API_BASE.rstrip("/")
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _with_stripe_csp(response: HttpResponse) -> HttpResponse:
    """The site's CSP (if any) plus what Stripe.js needs on the payment page only."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
    if not policy:
        return response
    extra = ([_origin(settings.STRIPE_API_BASE)] if settings.STRIPE_API_BASE
             else ["https://js.stripe.com", "https://api.stripe.com", "https://hooks.stripe.com"])
    merged = {k: list(v) for k, v in policy.items()}
    for directive in ("script-src", "connect-src", "frame-src"):
        merged[directive] = [*merged.get(directive, ["'self'"]), *extra]
    header = ("Content-Security-Policy-Report-Only"
              if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False) else "Content-Security-Policy")
    response[header] = policy_header_value(merged)
    return response


def _is_local_stripe() -> bool:
    host = urlsplit(settings.STRIPE_API_BASE).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"}


def _localstripe_webhook(request: HttpRequest, payee: Payee) -> None:
    """Demo and tests only: point localstripe's webhook for this payee at our public host.

    localstripe delivers every event to every registered URL (one Stripe account for all
    clusters); each cluster's endpoint ignores PaymentIntents that are not its own."""
    if not _is_local_stripe():
        return
    port = request.get_port()
    host = settings.BASE_DOMAIN + (f":{port}" if port not in {"80", "443"} else "")
    url = f"{request.scheme}://{host}" + reverse("billing:stripe_webhook", urlconf="clusterhub.urls_public",
                                                  args=[payee.cluster.schema_name])
    try:
        gateway.localstripe_register_webhook(payee=payee, url=url)
    except gateway.GatewayError:
        logger.warning("billing: could not register the localstripe webhook for %s", payee.cluster.schema_name)


# --- pages --------------------------------------------------------------------------------

@readers
@require_GET
def my_invoices(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    query, status = request.GET.get("q", ""), request.GET.get("status", "")
    sort = request.GET.get("sort", "-issue_date")
    qs = invoices_for_cluster(request.cluster,  # type: ignore[attr-defined]
                              company_ids=None if access.manager else access.company_ids,
                              status=status or None, search=query, ordering=sort)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/billing/my_invoices.html", {
        "page": page, "q": query, "status": status, "sort": sort, "statuses": Invoice.Status.choices,
        "unpaid": UNPAID, "sorts": INVOICE_ORDERINGS, "manager": access.manager,
        "title": _("Счета кластера") if access.manager else _("Мои счета"),
    })


@readers
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice is None:
        return not_found(request)
    payee = payee_for_cluster(request.cluster)  # type: ignore[attr-defined]
    payable = invoice.is_payable and _is_payer(request, invoice)
    return render(request, "frontend/billing/invoice_detail.html", {
        "invoice": invoice, "payee": payee, "lines": invoice.lines.all(), "payments": invoice.payments.all(),
        "can_pay_online": payable and payee is not None and payee.online_payments_enabled,
        "can_pay": payable, "amount": format_roubles(invoice.amount_kopecks),
        "paid": format_roubles(invoice.paid_kopecks), "outstanding": format_roubles(invoice.outstanding_kopecks),
    })


def _pdf_response(content: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = documents.content_disposition(name, fallback)
    return response


@readers
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice is None:
        return not_found(request)
    content = documents.invoice_pdf(invoice, payee_for_cluster(request.cluster))  # type: ignore[attr-defined]
    return _pdf_response(content, documents.filename(invoice, "invoice"), "invoice")


@readers
@require_GET
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice is None:
        return not_found(request)
    if invoice.status != Invoice.Status.PAID:
        messages.error(request, _("Квитанция будет доступна, когда счёт будет оплачен полностью."))
        return redirect("billing:invoice_detail", pk=invoice.pk)
    content = documents.receipt_pdf(invoice, payee_for_cluster(request.cluster))  # type: ignore[attr-defined]
    return _pdf_response(content, documents.filename(invoice, "receipt"), "receipt")


@readers
@require_GET
def invoice_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the payment page polls: the invoice's status as the server knows it."""
    invoice = _invoice(request, pk)
    if invoice is None:
        return JsonResponse({"detail": _("Такой страницы нет.")}, status=404)
    return JsonResponse({"status": invoice.status, "status_display": invoice.get_status_display(),
                         "paid": format_roubles(invoice.paid_kopecks),
                         "outstanding": format_roubles(invoice.outstanding_kopecks)})


@readers
@require_http_methods(["GET", "POST"])
def invoice_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (the «Оплатить» button) starts the payment and shows the card form; a GET changes
    nothing (a link from another site cannot start payments) and leads back to the invoice."""
    invoice = _invoice(request, pk)
    if invoice is None:
        return not_found(request)
    if not _is_payer(request, invoice):
        return forbidden(request, _("Оплатить счёт может только представитель организации-плательщика."))
    if request.method == "GET":
        return redirect("billing:invoice_detail", pk=invoice.pk)
    try:
        start = services.payment_start(actor=Actor.from_request(request), invoice=invoice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("billing:invoice_detail", pk=invoice.pk)
    payee = payee_for_cluster(request.cluster)  # type: ignore[attr-defined]
    if payee is not None:
        _localstripe_webhook(request, payee)
    response = render(request, "frontend/billing/pay.html", {
        "invoice": invoice, "start": start, "amount": format_roubles(start.amount_kopecks),
        "stripe_js": stripe_js_url(),
    })
    return _with_stripe_csp(response)


@readers
@require_POST
def invoice_pay_confirm(request: HttpRequest, pk: int) -> JsonResponse:
    """The browser saved the card (SetupIntent); the server confirms the PaymentIntent."""
    invoice = _invoice(request, pk)
    if invoice is None:
        return JsonResponse({"detail": _("Такой страницы нет.")}, status=404)
    if not _is_payer(request, invoice):
        return JsonResponse({"detail": _("Оплатить счёт может только представитель организации-плательщика.")},
                            status=403)
    try:
        body: Any = json.loads(request.body or b"{}")
        setup_intent = str(body.get("setup_intent") or "")
    except (ValueError, AttributeError):
        return JsonResponse({"detail": _("Неверный запрос.")}, status=400)
    if not setup_intent.startswith("seti_"):
        return JsonResponse({"detail": _("Неверный запрос.")}, status=400)
    try:
        result = services.payment_confirm_card(actor=Actor.from_request(request), invoice=invoice,
                                               setup_intent_id=setup_intent)
    except ValidationError as exc:
        return JsonResponse({"status": "error", "detail": " ".join(exc.messages)}, status=400)
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    return JsonResponse({"status": result.status, "client_secret": result.client_secret,
                         "detail": result.message})


@admins
@require_http_methods(["GET", "POST"])
def payee_settings(request: HttpRequest) -> HttpResponse:
    cluster = request.cluster  # type: ignore[attr-defined]
    payee = payee_for_cluster(cluster)
    initial = {name: getattr(payee, name) for name in services.PAYEE_FIELDS} if payee else {
        "name": cluster.specialized_organization}
    form = PayeeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        secret, webhook_secret = data.pop("stripe_secret_key"), data.pop("stripe_webhook_secret")
        try:
            services.payee_save(actor=Actor.from_request(request), cluster=cluster, fields=data,
                                stripe_secret_key=secret or None, stripe_webhook_secret=webhook_secret or None)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Реквизиты получателя сохранены."))
            return redirect("billing:payee")
    roles = user_cluster_roles(request.user, cluster)
    return render(request, "frontend/billing/payee.html", {
        "form": form, "payee": payee, "is_admin": Grant.Role.CLUSTER_ADMIN in roles,
        "webhook_url": f"{request.scheme}://{settings.BASE_DOMAIN}" + reverse(
            "billing:stripe_webhook", urlconf="clusterhub.urls_public", args=[cluster.schema_name]),
    })
