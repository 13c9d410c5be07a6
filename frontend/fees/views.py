"""Pages of the fees area for cluster admins and staff: fee schedules (with the general-meeting
decision that set them), exemptions, assessment runs with progress, the cluster's invoices with
bank-transfer payments, refunds and voids (billing's services), the arrears report and the
ledger export. Times and dates are the cluster's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import selectors as billing
from billing import services as payments
from billing.models import Invoice, Payment
from core.audit.services import Actor
from core.ru.money import format_roubles
from frontend.access import (
    MANAGERS,
    cluster_page,
    not_found,
)
from tenants.fees import services
from tenants.fees.exports import CSV_TYPE, XLSX_TYPE, ledger_csv, ledger_filename, ledger_xlsx
from tenants.fees.models import AssessmentRun, FeeSchedule
from tenants.fees.periods import period_containing
from tenants.fees.selectors import (
    EXEMPTION_ORDERINGS,
    exemption_get,
    exemption_list,
    fee_decisions,
    run_get,
    run_list,
    schedule_get,
    schedule_in_force,
    schedule_list,
)
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
    apply_errors,
)

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 25
RUN_ERRORS_SHOWN = 200


managers = cluster_page(MANAGERS)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _cluster(request: HttpRequest) -> Any:
    return request.cluster  # type: ignore[attr-defined]


def _form_page(request: HttpRequest, *, form: Any, title: str, cancel: str, submit: str | None = None,
               intro: str = "", danger: bool = False) -> HttpResponse:
    return render(request, "frontend/fees/form.html", {
        "form": form, "title": title, "cancel": cancel, "submit": submit or _("Сохранить"), "intro": intro,
        "danger": danger,
    })


def _error_message(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _url_or_none(name: str, *args: Any) -> str | None:
    """A link to a page of another area, if that area has it (billing's PDFs)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- schedules ----------------------------------------------------------------------------

@managers
@require_GET
def schedules(request: HttpRequest) -> HttpResponse:
    page = Paginator(schedule_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    today = payments.cluster_today(_cluster(request))
    current = schedule_in_force(day=today)
    return render(request, "frontend/fees/schedules.html", {"page": page, "current": current, "today": today})


def _schedule_form(request: HttpRequest, initial: dict[str, Any] | None = None) -> ScheduleForm:
    return ScheduleForm(request.POST or None, initial=initial, decisions=fee_decisions())


@managers
@require_http_methods(["GET", "POST"])
def schedule_create(request: HttpRequest) -> HttpResponse:
    form = _schedule_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services.fee_schedule_create(actor=_actor(request), **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Положение «%(name)s» сохранено.") % {"name": schedule})
            return redirect("fees:schedule", schedule.pk)
    intro = "" if fee_decisions().exists() else _(
        "Нет принятых решений общего собрания об установлении взносов: сначала запишите такое решение в "
        "протоколе заседания общего собрания.")
    return _form_page(request, form=form, title=_("Новое положение о взносах"), cancel=reverse("fees:schedules"),
                      intro=intro)


@managers
@require_GET
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = schedule_get(schedule_id=pk)
    if schedule is None:
        return not_found(request)
    today = payments.cluster_today(_cluster(request))
    form = RunForm(initial={"schedule": schedule.pk, "period": period_containing(schedule.period, today).key},
                   schedules=schedule_list())
    return render(request, "frontend/fees/schedule.html", {
        "schedule": schedule, "tiers": list(schedule.tiers.all()),
        "runs": run_list().filter(schedule=schedule)[:20], "run_form": form,
    })


@managers
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = schedule_get(schedule_id=pk)
    if schedule is None:
        return not_found(request)
    form = _schedule_form(request, ScheduleForm.initial_for(schedule))
    if request.method == "POST" and form.is_valid():
        try:
            services.fee_schedule_update(actor=_actor(request), schedule=schedule, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("fees:schedule", schedule.pk)
    return _form_page(request, form=form, title=_("Положение «%(name)s»") % {"name": schedule},
                      cancel=reverse("fees:schedule", args=[schedule.pk]),
                      intro=_("Уже выставленные счета не изменятся."))


@managers
@require_http_methods(["GET", "POST"])
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = schedule_get(schedule_id=pk)
    if schedule is None:
        return not_found(request)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fee_schedule_delete(actor=_actor(request), schedule=schedule)
        except ValidationError as exc:
            _error_message(request, exc)
            return redirect("fees:schedule", schedule.pk)
        messages.success(request, _("Положение «%(name)s» удалено.") % {"name": schedule})
        return redirect("fees:schedules")
    return _form_page(request, form=form, title=_("Удалить положение «%(name)s»?") % {"name": schedule},
                      cancel=reverse("fees:schedule", args=[schedule.pk]), submit=_("Удалить"), danger=True,
                      intro=_("Удалить можно только положение, по которому не было начислений."))


# --- exemptions ---------------------------------------------------------------------------

@managers
@require_GET
def exemptions(request: HttpRequest) -> HttpResponse:
    query, ordering = request.GET.get("q", ""), request.GET.get("sort", "starts")
    page = Paginator(exemption_list(query=query, ordering=ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/fees/exemptions.html", {
        "page": page, "q": query, "sort": ordering, "sorts": EXEMPTION_ORDERINGS,
    })


def _exemption_companies() -> Any:
    return Company.objects.exclude(status__in=[Company.Status.WITHDRAWN, Company.Status.EXPELLED]) \
        .order_by("short_name", "id")


@managers
@require_http_methods(["GET", "POST"])
def exemption_create(request: HttpRequest) -> HttpResponse:
    initial = {"company": request.GET.get("company")} if request.GET.get("company", "").isdigit() else None
    form = ExemptionForm(request.POST or None, initial=initial, companies=_exemption_companies())
    if request.method == "POST" and form.is_valid():
        try:
            services.exemption_create(actor=_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Освобождение от взносов сохранено."))
            return redirect("fees:exemptions")
    return _form_page(request, form=form, title=_("Освобождение от взносов"), cancel=reverse("fees:exemptions"))


@managers
@require_http_methods(["GET", "POST"])
def exemption_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = exemption_get(exemption_id=pk)
    if exemption is None:
        return not_found(request)
    form = ExemptionForm(request.POST or None, initial=ExemptionForm.initial_for(exemption),
                         companies=Company.objects.filter(pk=exemption.company_id))
    form.fields["company"].disabled = True
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "company"}
        try:
            services.exemption_update(actor=_actor(request), exemption=exemption, **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("fees:exemptions")
    return _form_page(request, form=form, title=_("Освобождение: %(name)s") % {"name": exemption.company},
                      cancel=reverse("fees:exemptions"))


@managers
@require_http_methods(["GET", "POST"])
def exemption_delete(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = exemption_get(exemption_id=pk)
    if exemption is None:
        return not_found(request)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.exemption_delete(actor=_actor(request), exemption=exemption)
        messages.success(request, _("Освобождение удалено."))
        return redirect("fees:exemptions")
    return _form_page(request, form=form, title=_("Удалить освобождение «%(name)s»?") % {"name": exemption.company},
                      cancel=reverse("fees:exemptions"), submit=_("Удалить"), danger=True,
                      intro=_("Уже выставленные счета не изменятся."))


# --- assessment runs ----------------------------------------------------------------------

@managers
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    today = payments.cluster_today(_cluster(request))
    current = schedule_in_force(day=today)
    initial = {"schedule": current.pk, "period": period_containing(current.period, today).key} if current else None
    form = RunForm(request.POST or None, initial=initial, schedules=schedule_list())
    if request.method == "POST" and form.is_valid():
        try:
            run = services.assessment_start(actor=_actor(request), schedule=form.cleaned_data["schedule"],
                                            period=form.cleaned_data["period"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("fees:run", run.pk)
    page = Paginator(run_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/fees/runs.html", {"page": page, "form": form,
                                                       "has_schedules": FeeSchedule.objects.exists()})


def _run_data(run: AssessmentRun) -> dict[str, Any]:
    return {"id": run.pk, "status": run.status, "status_display": str(run.get_status_display()),
            "total": run.total, "processed": run.processed, "percent": run.percent,
            "created_count": run.created_count, "existing_count": run.existing_count,
            "exempt_count": run.exempt_count, "finished": run.is_finished,
            "errors": run.errors[:RUN_ERRORS_SHOWN], "error_count": len(run.errors)}


@managers
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_get(run_id=pk)
    if run is None:
        return not_found(request)
    return render(request, "frontend/fees/run.html", {"run": run, "data": _run_data(run)})


@managers
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_get(run_id=pk)
    if run is None:
        return JsonResponse({"detail": _("Нет такого начисления.")}, status=404)
    return JsonResponse(_run_data(run), json_dumps_params={"ensure_ascii": False})


# --- invoices -----------------------------------------------------------------------------

INVOICE_SORTS = [
    ("-issue_date", _("Сначала новые")), ("issue_date", _("Сначала старые")), ("due_date", _("По сроку оплаты")),
    ("-amount", _("По сумме (больше)")), ("amount", _("По сумме (меньше)")), ("company", _("По плательщику")),
    ("-number", _("По номеру")), ("status", _("По статусу")),
]


def _invoice_filters(request: HttpRequest) -> dict[str, Any]:
    get = request.GET
    company = get.get("company", "")
    return {"search": get.get("q", ""), "status": get.get("status", ""), "period": get.get("period", ""),
            "company_id": int(company) if company.isdigit() else None, "ordering": get.get("sort", "-issue_date")}


@managers
@require_GET
def invoices(request: HttpRequest) -> HttpResponse:
    cluster = _cluster(request)
    f = _invoice_filters(request)
    qs = billing.invoices_for_cluster(cluster, company_id=f["company_id"], status=f["status"] or None,
                                      search=f["search"], ordering=f["ordering"])
    if f["period"]:
        qs = qs.filter(period_label=f["period"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    company = Company.objects.filter(pk=f["company_id"]).first() if f["company_id"] else None
    statuses = [("unpaid", _("Ждут оплаты")), *Invoice.Status.choices]
    return render(request, "frontend/fees/invoices.html", {
        "page": page, "f": f, "statuses": statuses, "periods": billing.arrears_periods(cluster),
        "sorts": INVOICE_SORTS, "company": company, "filtered": any(v for k, v in f.items() if k != "ordering"),
    })


def _invoice(request: HttpRequest, pk: int) -> Invoice | None:
    return billing.invoice_get(_cluster(request), pk)


@managers
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice is None:
        return not_found(request)
    return _invoice_page(request, invoice, PaymentForm(initial={
        "amount_kopecks": invoice.outstanding_kopecks, "order_date": payments.cluster_today(invoice.cluster)}))


def _invoice_page(request: HttpRequest, invoice: Invoice, payment_form: PaymentForm, status: int = 200) -> HttpResponse:
    paid = invoice.status == Invoice.Status.PAID
    return render(request, "frontend/fees/invoice.html", {
        "invoice": invoice, "lines": list(invoice.lines.all()), "payments": list(invoice.payments.all()),
        "payment_form": payment_form if invoice.is_payable else None,
        "can_void": invoice.status != Invoice.Status.VOID and invoice.paid_kopecks == 0,
        "pdf_url": _url_or_none("billing:invoice_pdf", invoice.pk),
        "receipt_url": _url_or_none("billing:receipt_pdf", invoice.pk) if paid else None,
        "company_exists": Company.objects.filter(pk=invoice.company_id).exists(),
    }, status=status)


@managers
@require_POST
def invoice_payment(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice is None:
        return not_found(request)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payments.payment_record_manual(actor=_actor(request), invoice=invoice, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Платёж записан."))
            return redirect("fees:invoice", invoice.pk)
    fresh = _invoice(request, pk)
    if fresh is None:
        return not_found(request)
    return _invoice_page(request, fresh, form, status=400)


@managers
@require_http_methods(["GET", "POST"])
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice is None:
        return not_found(request)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payments.invoice_void(actor=_actor(request), invoice=invoice, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Счёт № %(number)s аннулирован.") % {"number": invoice.number})
            return redirect("fees:invoice", invoice.pk)
    return _form_page(request, form=form, title=_("Аннулировать счёт № %(number)s?") % {"number": invoice.number},
                      cancel=reverse("fees:invoice", args=[invoice.pk]), submit=_("Аннулировать"), danger=True,
                      intro=_("Аннулированный счёт нельзя оплатить, и вернуть его нельзя. Номер остаётся занятым."))


@managers
@require_http_methods(["GET", "POST"])
def payment_refund(request: HttpRequest, pk: int, payment_id: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    payment = billing.payment_get(_cluster(request), payment_id)
    if invoice is None or payment is None or payment.invoice_id != invoice.pk:
        return not_found(request)
    form = RefundForm(request.POST or None, initial={"amount_kopecks": payment.refundable_kopecks})
    if request.method == "POST" and form.is_valid():
        try:
            payments.payment_refund(actor=_actor(request), payment=payment, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Возврат оформлен."))
            return redirect("fees:invoice", invoice.pk)
    method = _("банковским переводом") if payment.method == Payment.Method.MANUAL else _("картой (через Stripe)")
    return _form_page(request, form=form, title=_("Возврат по счёту № %(number)s") % {"number": invoice.number},
                      cancel=reverse("fees:invoice", args=[invoice.pk]), submit=_("Оформить возврат"), danger=True,
                      intro=_("Платёж %(method)s; можно вернуть до %(amount)s ₽. Сумма оплаты по счёту уменьшится.")
                      % {"method": method, "amount": format_roubles(payment.refundable_kopecks)})


# --- reports ------------------------------------------------------------------------------

@managers
@require_GET
def arrears(request: HttpRequest) -> HttpResponse:
    cluster = _cluster(request)
    period = request.GET.get("period", "")
    debtors = request.GET.get("debtors") == "1"
    rows = billing.arrears(cluster, period_label=period or None, only_debtors=debtors)
    totals = {name: sum(getattr(r, name) for r in rows)
              for name in ("invoiced_kopecks", "paid_kopecks", "outstanding_kopecks", "overdue_kopecks")}
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "frontend/fees/arrears.html", {
        "page": page, "totals": totals, "period": period, "debtors": debtors,
        "periods": billing.arrears_periods(cluster), "count": len(rows),
    })


@managers
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    cluster = _cluster(request)
    today = payments.cluster_today(cluster)
    wanted = request.GET.get("format", "")
    form = LedgerForm(request.GET if "date_from" in request.GET else None,
                      initial={"date_from": today.replace(month=1, day=1), "date_to": today})
    if form.is_bound and form.is_valid() and wanted in {"xlsx", "csv"}:
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        rows = billing.ledger_rows(cluster, date_from=start, date_to=end)
        if wanted == "csv":
            response = HttpResponse(ledger_csv(rows), content_type=CSV_TYPE)
        else:
            title = _("Реестр начислений и оплат %(cluster)s за %(start)s — %(end)s") % {
                "cluster": cluster.display_name, "start": f"{start:%d.%m.%Y}", "end": f"{end:%d.%m.%Y}"}
            response = HttpResponse(ledger_xlsx(rows, title=title), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{ledger_filename(start, end, wanted)}"'
        return response
    return render(request, "frontend/fees/ledger.html", {"form": form})
