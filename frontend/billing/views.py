"""Member portal pages of fee billing on a cluster host: «Мои счета», an invoice with its PDF
and receipt, online payment (what the payee enabled: Stripe.js card form, YooKassa card / SBP /
SberBusiness by redirect to YooKassa's page), and the payee settings of the cluster admin.

A member representative sees only its own company's invoices (others answer 404, as missing
ones do); cluster admins and staff see all of the cluster's. Who may pay online is the
service's rule (billing.services.may_pay / require_payer). The payment page never marks
anything paid: only the gateway's webhook / notification (or the reconciliation task) does; the
pages poll.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import documents, services
from billing.models import Invoice
from billing.selectors import (
    UNPAID,
    invoice_get,
    invoice_status_get,
    invoices_for_cluster,
    payee_for_cluster,
)
from clusterhub.security import allow_stripe_js, allow_yookassa_checkout
from core.accounts.access import MemberAccess, member_access
from core.accounts.models import Grant
from core.audit.services import Actor
from core.json_input import json_loads
from core.ru.money import format_roubles
from frontend.access import READERS, cluster_page, or_404
from frontend.pages import action, form_page, json_action
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest

from .forms import PayeeForm

PAGE_SIZE = 25
readers = cluster_page(READERS)
admins = cluster_page({Grant.Role.CLUSTER_ADMIN})


def _access(request: ClusterHttpRequest) -> MemberAccess:
    return member_access(user=request.user, cluster=request.cluster)


def _invoice(
    request: ClusterHttpRequest, pk: int, *, read: Callable[..., Invoice | None] = invoice_get
) -> Invoice:
    """The invoice if it is this cluster's and the user may see it (else 404)."""
    invoice = or_404(read(request.cluster, pk))
    return or_404(invoice if _access(request).can_see(invoice.company_id) else None)


def stripe_js_url() -> str:
    """Stripe.js: the real one, or the fake one localstripe serves when STRIPE_API_BASE is set."""
    base = settings.STRIPE_API_BASE.rstrip("/")
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


# --- pages --------------------------------------------------------------------------------


# Sortable columns of «Мои счета» (frontend.tables); the old ?sort= values of its select
# («-issue_date», «issue_date», «due_date», «-amount», «company») are these keys. The payer
# column is a manager's only: a representative's ?sort=company falls back to the newest first.
MY_INVOICE_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("issue_date", "number"),
    "issue_date": ("issue_date", "id"),
    "period": ("period_label", "id"),
    "amount": ("amount_kopecks", "id"),
    "due_date": ("due_date", "id"),
    "status": ("status", "-issue_date", "-id"),
}
MANAGER_INVOICE_COLUMNS = {**MY_INVOICE_COLUMNS, "company": ("company_name", "id")}


@readers
@require_GET
def my_invoices(request: ClusterHttpRequest) -> HttpResponse:
    access = _access(request)
    listing = list_controls(
        request,
        columns=MANAGER_INVOICE_COLUMNS if access.manager else MY_INVOICE_COLUMNS,
        default="-issue_date",
        filters=(
            search(
                _("Номер счёта, период, организация или ИНН")
                if access.manager
                else _("Номер счёта или период")
            ),
            Filter(
                "status",
                _("Статус"),
                choices=[(UNPAID, _("К оплате")), *Invoice.Status.choices],
                placeholder=_("Все статусы"),
            ),
        ),
        page_size=PAGE_SIZE,
    )
    qs = invoices_for_cluster(
        request.cluster,
        company_ids=None if access.manager else access.company_ids,
        status=listing.values["status"] or None,
        search=listing.values["q"],
    )
    return render(
        request,
        "frontend/billing/my_invoices.html",
        {
            "page": listing.page(qs),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": access.manager,
            "title": _("Счета кластера") if access.manager else _("Мои счета"),
        },
    )


@readers
@require_GET
@allow_yookassa_checkout
def invoice_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    payee = payee_for_cluster(request.cluster)
    actor = Actor.from_request(request)
    payable = invoice.is_payable and services.may_pay(actor=actor, invoice=invoice)
    options = services.payment_options(actor=actor, invoice=invoice) if payable else []
    payments = list(invoice.payments.all())
    returned = request.GET.get("payment") == "return"
    return render(
        request,
        "frontend/billing/invoice_detail.html",
        {
            "invoice": invoice,
            "payee": payee,
            "lines": invoice.lines.all(),
            "payments": payments,
            "can_pay_online": bool(options),
            "pay_options": options,
            "waiting": returned
            and invoice.status != Invoice.Status.PAID
            and any(p.status in {"pending", "processing"} and p.yookassa_payment_id for p in payments),
            "can_pay": payable,
            "amount": format_roubles(invoice.amount_kopecks),
            "paid": format_roubles(invoice.paid_kopecks),
            "outstanding": format_roubles(invoice.outstanding_kopecks),
        },
    )


def _pdf_response(content: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = documents.content_disposition(name, fallback)
    return response


@readers
@require_GET
def invoice_pdf(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    content = documents.invoice_pdf(invoice, payee_for_cluster(request.cluster))
    return _pdf_response(content, documents.filename(invoice, "invoice"), "invoice")


@readers
@require_GET
def receipt_pdf(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice.status != Invoice.Status.PAID:
        messages.error(request, _("Квитанция будет доступна, когда счёт будет оплачен полностью."))
        return redirect("billing:invoice_detail", pk=invoice.pk)
    content = documents.receipt_pdf(invoice, payee_for_cluster(request.cluster))
    return _pdf_response(content, documents.filename(invoice, "receipt"), "receipt")


@readers
@require_GET
def invoice_status(request: ClusterHttpRequest, pk: int) -> JsonResponse:
    """What the payment page polls: the invoice's status as the server knows it."""
    invoice = _invoice(request, pk, read=invoice_status_get)
    return JsonResponse(
        {
            "status": invoice.status,
            "status_display": invoice.get_status_display(),
            "paid": format_roubles(invoice.paid_kopecks),
            "outstanding": format_roubles(invoice.outstanding_kopecks),
        }
    )


@readers
@require_http_methods(["GET", "POST"])
@allow_stripe_js
def invoice_pay(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """POST (an «Оплатить» button, `method` = "gateway:method" of the payee's options) starts the
    payment: the Stripe card form, or a redirect to YooKassa's page, which sends the payer back
    to the invoice. A GET changes nothing (a link from another site cannot start payments) and
    leads back to the invoice."""
    invoice = _invoice(request, pk)
    actor = services.require_payer(actor=Actor.from_request(request), invoice=invoice)
    if request.method == "GET":
        return redirect("billing:invoice_detail", pk=invoice.pk)
    option = str(request.POST.get("method") or "stripe:card")[:40]
    back = (
        request.build_absolute_uri(reverse("billing:invoice_detail", args=[invoice.pk])) + "?payment=return"
    )
    return action(
        request,
        lambda: services.payment_begin(actor=actor, invoice=invoice, option=option, return_url=back),
        success=lambda start: _payment_page(request, invoice, start),
        failure=reverse("billing:invoice_detail", args=[invoice.pk]),
    )


def _payment_page(
    request: ClusterHttpRequest, invoice: Invoice, start: services.PaymentStart | services.RedirectStart
) -> HttpResponseBase:
    if isinstance(start, services.RedirectStart):
        return redirect(start.confirmation_url)
    return render(
        request,
        "frontend/billing/pay.html",
        {
            "invoice": invoice,
            "start": start,
            "amount": format_roubles(start.amount_kopecks),
            "stripe_js": stripe_js_url(),
        },
    )


@readers
@require_POST
def invoice_pay_confirm(request: ClusterHttpRequest, pk: int) -> JsonResponse:
    """The browser saved the card (SetupIntent); the server confirms the PaymentIntent."""
    invoice = _invoice(request, pk)
    try:
        body: Any = json_loads(request.body or b"{}")
        setup_intent = str(body.get("setup_intent") or "")
    except (ValueError, AttributeError):
        setup_intent = ""
    if not setup_intent.startswith("seti_"):
        return JsonResponse({"detail": _("Неверный запрос.")}, status=400)
    return json_action(
        lambda: services.payment_confirm_card(
            actor=Actor.from_request(request), invoice=invoice, setup_intent_id=setup_intent
        ),
        answer=lambda result: {
            "status": result.status,
            "client_secret": result.client_secret,
            "detail": result.message,
        },
    )


@admins
@require_http_methods(["GET", "POST"])
def payee_settings(request: ClusterHttpRequest) -> HttpResponseBase:
    cluster = request.cluster
    payee = payee_for_cluster(cluster)
    initial: dict[str, Any] = (
        {name: getattr(payee, name) for name in services.PAYEE_FIELDS}
        if payee
        else {"name": cluster.specialized_organization}
    )
    if payee:
        initial.update(gateways=payee.enabled_gateways, yookassa_methods=payee.yookassa_methods)
    form = PayeeForm(request.POST or None, initial=initial)
    public = f"{request.scheme}://{settings.BASE_DOMAIN}"
    webhook_url = public + reverse(
        "billing:stripe_webhook", urlconf="clusterhub.urls_public", args=[cluster.schema_name]
    )
    notify_url = public + reverse(
        "billing:yookassa_notify", urlconf="clusterhub.urls_public", args=[cluster.schema_name]
    )

    def save(data: dict[str, Any]) -> Any:
        secret, webhook_secret = data.pop("stripe_secret_key"), data.pop("stripe_webhook_secret")
        yookassa_secret = data.pop("yookassa_secret_key")
        gateways, methods = data.pop("gateways"), data.pop("yookassa_methods")
        return services.payee_save(
            actor=Actor.from_request(request),
            cluster=cluster,
            fields=data,
            stripe_secret_key=secret or None,
            stripe_webhook_secret=webhook_secret or None,
            yookassa_secret_key=yookassa_secret or None,
            gateways=list(gateways),
            yookassa_methods=list(methods),
        )

    return form_page(
        request,
        form=form,
        save=save,
        check=lambda data: services.payee_check(cluster, data),
        success=reverse("billing:payee"),
        message=_("Реквизиты получателя сохранены."),
        template="frontend/billing/payee.html",
        context={"payee": payee, "is_admin": True, "webhook_url": webhook_url, "notify_url": notify_url},
    )
