"""Pages of the fees area for cluster admins and staff: fee schedules (with the general-meeting
decision that set them), exemptions, assessment runs with progress, the cluster's invoices with
bank-transfer payments, refunds and voids (billing's services), the arrears report and the
ledger export. Times and dates are the cluster's (its time zone is active for the request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import selectors as billing
from billing import services as payments
from billing.models import Invoice, Payment
from core.audit.services import Actor
from core.clock import cluster_today
from core.ru.money import format_roubles
from frontend.access import MANAGERS, cluster_page, or_404
from frontend.jobs import job_status_response
from frontend.pages import action, form_page
from frontend.tables import Filter, list_controls, search, select, sorted_rows
from tenants.fees import services
from tenants.fees.exports import CSV_TYPE, XLSX_TYPE, ledger_csv, ledger_filename, ledger_xlsx
from tenants.fees.models import AssessmentRun, FeeSchedule
from tenants.fees.periods import period_containing
from tenants.fees.selectors import (
    exemption_get,
    exemption_list,
    fee_decisions,
    run_get,
    run_list,
    schedule_get,
    schedule_in_force,
    schedule_list,
)
from tenants.http import ClusterHttpRequest
from tenants.members.models import Company

from .forms import (
    ConfirmForm,
    ExemptionForm,
    LedgerForm,
    PaymentForm,
    RefundForm,
    RunForm,
    ScheduleForm,
    VoidForm,
)

PAGE_SIZE = 25
SUBNAV = "frontend/fees/nav.html"

managers = cluster_page(MANAGERS)


def _actor(request: ClusterHttpRequest) -> Actor:
    return Actor.from_request(request)


def _form(
    request: ClusterHttpRequest,
    *,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    success: Any,
    message: Any = None,
    title: str | Promise,
    cancel: str,
    submit: str | Promise | None = None,
    intro: str | Promise = "",
    danger: bool = False,
) -> HttpResponseBase:
    """form_page with the fees sub-navigation."""
    return form_page(
        request,
        form=form,
        save=save,
        success=success,
        message=message,
        title=title,
        cancel=cancel,
        submit=submit,
        intro=intro,
        context={"subnav": SUBNAV, "danger": danger},
    )


def _confirm(
    request: ClusterHttpRequest,
    *,
    call: Callable[[], Any],
    success: str,
    message: str,
    failure: str,
    title: str,
    intro: str | Promise,
    submit: str | Promise = "",
) -> HttpResponseBase:
    """A confirmation page (GET) whose button (POST) runs the service call."""
    if request.method == "POST":
        return action(request, call, success=success, message=message, failure=failure)
    return _form(
        request,
        form=ConfirmForm(),
        save=lambda data: call(),
        success=success,
        title=title,
        cancel=failure,
        submit=submit or _("Удалить"),
        danger=True,
        intro=intro,
    )


def parse_id(value: str) -> int | None:
    """A row id from a query or form value: ASCII digits of a positive 32-bit integer, else None
    («²» is a digit to str.isdigit but not to int(); 20 digits overflow PostgreSQL's integer)."""
    if value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) < 2**31:
        return int(value)
    return None


def _url_or_none(name: str, *args: Any) -> str | None:
    """A link to a page of another area, if that area has it (billing's PDFs)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- schedules ----------------------------------------------------------------------------


# Sortable columns of the schedule list (frontend.tables); the default is the newest first.
SCHEDULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "effective_from": ("effective_from", "id"),
    "period": ("period", "-effective_from", "-id"),
    "amount": ("amount_kopecks", "id"),
    "entrance": ("entrance_fee_kopecks", "id"),
    "runs": ("run_count", "id"),
}


@managers
@require_GET
def schedules(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=SCHEDULE_COLUMNS,
        default="-effective_from",
        filters=(
            search(_("Наименование или решение"), "name__icontains", "decision__text__icontains"),
            select("period", _("Период"), FeeSchedule.Period.choices, _("Все периоды")),
        ),
        page_size=PAGE_SIZE,
    )
    today = cluster_today(request.cluster)
    current = schedule_in_force(day=today)
    return render(
        request,
        "frontend/fees/schedules.html",
        {
            "page": listing.page(schedule_list()),
            "listing": listing,
            "sorting": listing.sorting,
            "current": current,
            "today": today,
        },
    )


def _schedule_form(request: ClusterHttpRequest, initial: dict[str, Any] | None = None) -> ScheduleForm:
    return ScheduleForm(request.POST or None, initial=initial, decisions=fee_decisions())


@managers
@require_http_methods(["GET", "POST"])
def schedule_create(request: ClusterHttpRequest) -> HttpResponseBase:
    form = _schedule_form(request)
    intro = (
        ""
        if fee_decisions().exists()
        else _(
            "Нет принятых решений общего собрания об установлении взносов: сначала запишите такое решение в "
            "протоколе заседания общего собрания."
        )
    )
    return _form(
        request,
        form=form,
        save=lambda data: services.fee_schedule_create(actor=_actor(request), **form.service_fields()),
        success=lambda schedule: reverse("fees:schedule", args=[schedule.pk]),
        message=lambda schedule: _("Положение «%(name)s» сохранено.") % {"name": schedule},
        title=_("Новое положение о взносах"),
        cancel=reverse("fees:schedules"),
        intro=intro,
    )


@managers
@require_GET
def schedule_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    schedule = or_404(schedule_get(schedule_id=pk))
    today = cluster_today(request.cluster)
    form = RunForm(
        initial={"schedule": schedule.pk, "period": period_containing(schedule.period, today).key},
        schedules=schedule_list(),
    )
    return render(
        request,
        "frontend/fees/schedule.html",
        {
            "schedule": schedule,
            "tiers": list(schedule.tiers.all()),
            "runs": run_list().filter(schedule=schedule)[:20],
            "run_form": form,
        },
    )


@managers
@require_http_methods(["GET", "POST"])
def schedule_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    schedule = or_404(schedule_get(schedule_id=pk))
    form = _schedule_form(request, ScheduleForm.initial_for(schedule))
    return _form(
        request,
        form=form,
        save=lambda data: services.fee_schedule_update(
            actor=_actor(request), schedule=schedule, **form.service_fields()
        ),
        success=reverse("fees:schedule", args=[schedule.pk]),
        message=_("Изменения сохранены."),
        title=_("Положение «%(name)s»") % {"name": schedule},
        cancel=reverse("fees:schedule", args=[schedule.pk]),
        intro=_("Уже выставленные счета не изменятся."),
    )


@managers
@require_http_methods(["GET", "POST"])
def schedule_delete(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    schedule = or_404(schedule_get(schedule_id=pk))
    return _confirm(
        request,
        call=lambda: services.fee_schedule_delete(actor=_actor(request), schedule=schedule),
        success=reverse("fees:schedules"),
        message=_("Положение «%(name)s» удалено.") % {"name": schedule},
        failure=reverse("fees:schedule", args=[schedule.pk]),
        title=_("Удалить положение «%(name)s»?") % {"name": schedule},
        intro=_("Удалить можно только положение, по которому не было начислений."),
    )


# --- exemptions ---------------------------------------------------------------------------

# Sortable columns of the exemption list (frontend.tables); the old ?sort=starts falls back to
# the default, newest first, as it meant.
EXEMPTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("company__short_name", "-starts_on", "id"),
    "starts_on": ("starts_on", "id"),
    "percent": ("percent", "company__short_name", "id"),
}


@managers
@require_GET
def exemptions(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=EXEMPTION_COLUMNS,
        default="-starts_on",
        filters=(search(_("Организация, ИНН или основание")),),
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "frontend/fees/exemptions.html",
        {
            "page": listing.page(exemption_list(query=listing.values["q"])),
            "listing": listing,
            "sorting": listing.sorting,
        },
    )


def _exemption_companies() -> Any:
    return Company.objects.exclude(status__in=[Company.Status.WITHDRAWN, Company.Status.EXPELLED]).order_by(
        "short_name", "id"
    )


@managers
@require_http_methods(["GET", "POST"])
def exemption_create(request: ClusterHttpRequest) -> HttpResponseBase:
    initial = {"company": request.GET.get("company")} if request.GET.get("company", "").isdigit() else None
    form = ExemptionForm(request.POST or None, initial=initial, companies=_exemption_companies())
    return _form(
        request,
        form=form,
        save=lambda data: services.exemption_create(actor=_actor(request), **data),
        success=reverse("fees:exemptions"),
        message=_("Освобождение от взносов сохранено."),
        title=_("Освобождение от взносов"),
        cancel=reverse("fees:exemptions"),
    )


@managers
@require_http_methods(["GET", "POST"])
def exemption_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    exemption = or_404(exemption_get(exemption_id=pk))
    form = ExemptionForm(
        request.POST or None,
        initial=ExemptionForm.initial_for(exemption),
        companies=Company.objects.filter(pk=exemption.company_id),
    )
    form.fields["company"].disabled = True

    def save(data: dict[str, Any]) -> Any:
        data.pop("company", None)
        return services.exemption_update(actor=_actor(request), exemption=exemption, **data)

    return _form(
        request,
        form=form,
        save=save,
        success=reverse("fees:exemptions"),
        message=_("Изменения сохранены."),
        title=_("Освобождение: %(name)s") % {"name": exemption.company},
        cancel=reverse("fees:exemptions"),
    )


@managers
@require_http_methods(["GET", "POST"])
def exemption_delete(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    exemption = or_404(exemption_get(exemption_id=pk))
    return _confirm(
        request,
        call=lambda: services.exemption_delete(actor=_actor(request), exemption=exemption),
        success=reverse("fees:exemptions"),
        message=_("Освобождение удалено."),
        failure=reverse("fees:exemptions"),
        title=_("Удалить освобождение «%(name)s»?") % {"name": exemption.company},
        intro=_("Уже выставленные счета не изменятся."),
    )


# --- assessment runs ----------------------------------------------------------------------

# Sortable columns of the run list (frontend.tables); the default is the latest run first.
RUN_COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("period", "created_at", "id"),
    "created_at": ("created_at", "id"),
    "status": ("status", "-created_at", "-id"),
    "created": ("created_count", "id"),
    "amount": ("amount_kopecks", "id"),
}


@managers
@require_http_methods(["GET", "POST"])
def runs(request: ClusterHttpRequest) -> HttpResponseBase:
    today = cluster_today(request.cluster)
    current = schedule_in_force(day=today)
    initial = (
        {"schedule": current.pk, "period": period_containing(current.period, today).key} if current else None
    )
    schedules = schedule_list()
    form = RunForm(request.POST or None, initial=initial, schedules=schedules)
    listing = list_controls(
        request,
        columns=RUN_COLUMNS,
        default="-created_at",
        filters=(
            select(  # only a schedule of the choices: a made-up ?schedule= lists every run
                "schedule",
                _("Положение"),
                [(s.pk, s.name) for s in schedules],
                _("Все положения"),
                lookup="schedule_id",
                parse=parse_id,
            ),
            select("status", _("Состояние"), AssessmentRun.Status.choices, _("Все")),
        ),
        page_size=PAGE_SIZE,
    )
    return form_page(
        request,
        form=form,
        save=lambda data: services.assessment_start(
            actor=_actor(request), schedule=data["schedule"], period=data["period"]
        ),
        success=lambda run: reverse("fees:run", args=[run.pk]),
        template="frontend/fees/runs.html",
        context={
            "page": listing.page(run_list()),
            "listing": listing,
            "sorting": listing.sorting,
            "has_schedules": bool(schedules),
        },
    )


@managers
@require_GET
def run_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    run = or_404(run_get(run_id=pk))
    return render(request, "frontend/fees/run.html", {"run": run, "data": run.status_payload()})


@managers
@require_GET
def run_status(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    return job_status_response(or_404(run_get(run_id=pk)))


# --- invoices -----------------------------------------------------------------------------


# Sortable columns of the invoice list (frontend.tables): ?sort=key / -key.
INVOICE_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("issue_date", "number"),
    "issue_date": ("issue_date", "id"),
    "company": ("company_name", "id"),
    "period": ("period_label", "id"),
    "amount": ("amount_kopecks", "id"),
    "paid": ("paid_kopecks", "id"),
    "due_date": ("due_date", "id"),
    "status": ("status", "id"),
}


def _invoice_filters(request: ClusterHttpRequest) -> dict[str, Any]:
    get = request.GET
    company = get.get("company", "")
    return {
        "search": get.get("q", ""),
        "status": get.get("status", ""),
        "period": get.get("period", ""),
        "company_id": parse_id(company),
        "ordering": get.get("sort", "-issue_date"),
    }


@managers
@require_GET
def invoices(request: ClusterHttpRequest) -> HttpResponse:
    cluster = request.cluster
    f = _invoice_filters(request)
    statuses = [("unpaid", _("Ждут оплаты")), *Invoice.Status.choices]
    periods = billing.arrears_periods(cluster)
    listing = list_controls(
        request,
        columns=INVOICE_COLUMNS,
        default="-issue_date",
        filters=(
            search(_("Номер, плательщик, ИНН или период")),
            Filter("status", _("Статус"), choices=statuses, placeholder=_("Все статусы")),
            Filter("period", _("Период"), choices=[(p, p) for p in periods], placeholder=_("Все периоды")),
        ),
        keep=("company",),
        page_size=PAGE_SIZE,
    )
    qs = billing.invoices_for_cluster(
        cluster,
        company_id=f["company_id"],
        status=f["status"] or None,
        search=f["search"],
        ordering=f["ordering"],
    )
    if f["period"]:
        qs = qs.filter(period_label=f["period"])
    page = listing.page(qs)
    company = Company.objects.filter(pk=f["company_id"]).first() if f["company_id"] else None
    return render(
        request,
        "frontend/fees/invoices.html",
        {
            "page": page,
            "f": f,
            "listing": listing,
            "sorting": listing.sorting,
            "company": company,
        },
    )


def _invoice(request: ClusterHttpRequest, pk: int) -> Invoice:
    return or_404(billing.invoice_get(request.cluster, pk))


def _invoice_context(invoice: Invoice, payment_form: PaymentForm) -> dict[str, Any]:
    paid = invoice.status == Invoice.Status.PAID
    return {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "payments": list(invoice.payments.all()),
        "payment_form": payment_form if invoice.is_payable else None,
        "can_void": invoice.status != Invoice.Status.VOID and invoice.paid_kopecks == 0,
        "pdf_url": _url_or_none("billing:invoice_pdf", invoice.pk),
        "receipt_url": _url_or_none("billing:receipt_pdf", invoice.pk) if paid else None,
        "company_exists": Company.objects.filter(pk=invoice.company_id).exists(),
    }


@managers
@require_GET
def invoice_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = PaymentForm(
        initial={"amount_kopecks": invoice.outstanding_kopecks, "order_date": cluster_today(invoice.cluster)}
    )
    return render(request, "frontend/fees/invoice.html", _invoice_context(invoice, form))


@managers
@require_POST
def invoice_payment(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """The bank-transfer form of the invoice page; a refused payment shows the page again (400)."""
    invoice = _invoice(request, pk)
    form = PaymentForm(request.POST)
    return form_page(
        request,
        form=form,
        save=lambda data: payments.payment_record_manual(actor=_actor(request), invoice=invoice, **data),
        success=reverse("fees:invoice", args=[invoice.pk]),
        message=_("Платёж записан."),
        template="frontend/fees/invoice.html",
        context=_invoice_context(invoice, form),
        invalid_status=400,
    )


@managers
@require_http_methods(["GET", "POST"])
def invoice_void(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    invoice = _invoice(request, pk)
    return _form(
        request,
        form=VoidForm(request.POST or None),
        save=lambda data: payments.invoice_void(
            actor=_actor(request), invoice=invoice, reason=data["reason"]
        ),
        success=reverse("fees:invoice", args=[invoice.pk]),
        message=_("Счёт № %(number)s аннулирован.") % {"number": invoice.number},
        title=_("Аннулировать счёт № %(number)s?") % {"number": invoice.number},
        cancel=reverse("fees:invoice", args=[invoice.pk]),
        submit=_("Аннулировать"),
        danger=True,
        intro=_("Аннулированный счёт нельзя оплатить, и вернуть его нельзя. Номер остаётся занятым."),
    )


@managers
@require_http_methods(["GET", "POST"])
def payment_refund(request: ClusterHttpRequest, pk: int, payment_id: int) -> HttpResponseBase:
    invoice = _invoice(request, pk)
    payment = or_404(billing.payment_get(request.cluster, payment_id))
    if payment.invoice_id != invoice.pk:
        raise Http404
    form = RefundForm(request.POST or None, initial={"amount_kopecks": payment.refundable_kopecks})
    method = (
        _("банковским переводом") if payment.method == Payment.Method.MANUAL else _("картой (через Stripe)")
    )
    return _form(
        request,
        form=form,
        save=lambda data: payments.payment_refund(actor=_actor(request), payment=payment, **data),
        success=reverse("fees:invoice", args=[invoice.pk]),
        message=_("Возврат оформлен."),
        title=_("Возврат по счёту № %(number)s") % {"number": invoice.number},
        cancel=reverse("fees:invoice", args=[invoice.pk]),
        submit=_("Оформить возврат"),
        danger=True,
        intro=_("Платёж %(method)s; можно вернуть до %(amount)s ₽. Сумма оплаты по счёту уменьшится.")
        % {"method": method, "amount": format_roubles(payment.refundable_kopecks)},
    )


# --- reports ------------------------------------------------------------------------------


# Sortable columns of the arrears report (frontend.tables), sorted in Python (one row per
# member, computed by billing.selectors.arrears); ties by name, A to Z in the default order.
ARREARS_COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("company_name", "company_id"),
    "inn": ("company_inn", "company_name"),
    "invoices": ("invoices", "-company_name"),
    "invoiced": ("invoiced_kopecks", "-company_name"),
    "paid": ("paid_kopecks", "-company_name"),
    "outstanding": ("outstanding_kopecks", "-company_name"),
    "overdue": ("overdue_kopecks", "-company_name"),
}


@managers
@require_GET
def arrears(request: ClusterHttpRequest) -> HttpResponse:
    cluster = request.cluster
    listing = list_controls(
        request,
        columns=ARREARS_COLUMNS,
        default="-outstanding",
        filters=(
            search(_("Участник или ИНН")),
            Filter(
                "period",
                _("Период"),
                choices=[(p, p) for p in billing.arrears_periods(cluster)],
                placeholder=_("Все периоды"),
            ),
            Filter("debtors", _("Участники"), choices=[("1", _("Только должники"))], placeholder=_("Все")),
        ),
        page_size=50,
    )
    period = listing.values["period"]
    rows = billing.arrears(
        cluster,
        period_label=period or None,
        only_debtors=listing.values["debtors"] == "1",
        search=listing.values["q"],
    )
    totals = {
        name: sum(getattr(r, name) for r in rows)
        for name in ("invoiced_kopecks", "paid_kopecks", "outstanding_kopecks", "overdue_kopecks")
    }
    return render(
        request,
        "frontend/fees/arrears.html",
        {
            "page": listing.page(sorted_rows(rows, listing.sorting.order_by)),
            "listing": listing,
            "sorting": listing.sorting,
            "totals": totals,
            "period": period,
        },
    )


@managers
@require_GET
def ledger(request: ClusterHttpRequest) -> HttpResponse:
    cluster = request.cluster
    today = cluster_today(cluster)
    wanted = request.GET.get("format", "")
    form = LedgerForm(
        request.GET if "date_from" in request.GET else None,
        initial={"date_from": today.replace(month=1, day=1), "date_to": today},
    )
    if form.is_bound and form.is_valid() and wanted in {"xlsx", "csv"}:
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        rows = billing.ledger_rows(cluster, date_from=start, date_to=end)
        if wanted == "csv":
            response = HttpResponse(ledger_csv(rows), content_type=CSV_TYPE)
        else:
            title = _("Реестр начислений и оплат %(cluster)s за %(start)s — %(end)s") % {
                "cluster": cluster.display_name,
                "start": f"{start:%d.%m.%Y}",
                "end": f"{end:%d.%m.%Y}",
            }
            response = HttpResponse(ledger_xlsx(rows, title=title), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{ledger_filename(start, end, wanted)}"'
        return response
    return render(request, "frontend/fees/ledger.html", {"form": form})
