"""Pages of bank statements for cluster admins and staff (namespace "fees"): upload a
1CClientBankExchange statement, look at the preview (a state per line), apply it after a
confirmation, and work the queue — find an open invoice by company, INN or number and match
the line, or dismiss it with a reason. Every rule is in billing.statements.services."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.selectors import UNPAID, invoices_for_cluster
from billing.statements import demo, parser, selectors, services
from billing.statements.matching import QUEUE
from billing.statements.models import BankStatement, BankStatementLine
from core.audit.services import Actor
from frontend.access import MANAGERS, cluster_page, or_404
from frontend.pages import action, form_page
from frontend.tables import Filter, ListControls, list_controls, search
from tenants.http import ClusterHttpRequest

from .views import parse_id

PAGE_SIZE = 50
# Sortable columns of statement lines (frontend.tables): ?sort=key / -key.
LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("statement_id", "position"),
    "date": ("date", "id"),
    "payer": ("payer_name", "id"),
    "amount": ("amount_kopecks", "id"),
    "invoice": ("invoice_number", "id"),
    "state": ("state", "id"),
}
# Sortable columns of the statement list: ?sort=key / -key; the latest upload first.
STATEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "file": ("file_name", "id"),
    "period": ("date_from", "date_to", "id"),
    "credits": ("credits", "id"),
    "created": ("created_at", "id"),
    "status": ("status", "-created_at", "-id"),
}
SUBNAV = "frontend/fees/nav.html"
managers = cluster_page(MANAGERS)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Выписка из клиент-банка"),
        help_text=gettext_lazy("Файл обмена с 1С (1CClientBankExchange, обычно kl_to_1c.txt), до 50 МБ."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > parser.MAX_BYTES:
            raise forms.ValidationError(_("Файл больше 50 МБ: разбейте выписку по периодам."))
        return upload


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Причина"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Например: «не членский взнос — возврат займа»."),
    )


class ConfirmForm(forms.Form):
    pass


def _actor(request: ClusterHttpRequest) -> Actor:
    return Actor.from_request(request)


def _line_listing(
    request: ClusterHttpRequest, *, default: str, states: Collection[str], everything: str
) -> ListControls:
    """The controls of a list of statement lines: search, and a state among `states`."""
    return list_controls(
        request,
        columns=LINE_COLUMNS,
        default=default,
        filters=(
            search(_("Плательщик, ИНН, номер п/п или назначение")),
            Filter(
                "state",
                _("Состояние"),
                choices=[c for c in BankStatementLine.State.choices if c[0] in states],
                placeholder=everything,
            ),
        ),
        page_size=PAGE_SIZE,
    )


@managers
@require_http_methods(["GET", "POST"])
def statements(request: ClusterHttpRequest) -> HttpResponseBase:
    form = UploadForm(request.POST or None, request.FILES or None)
    listing = list_controls(
        request,
        columns=STATEMENT_COLUMNS,
        default="-created",
        filters=(
            search(_("Имя файла или расчётный счёт")),
            Filter("status", _("Статус"), choices=BankStatement.Status.choices, placeholder=_("Все")),
        ),
    )
    rows = selectors.statements_for_cluster(
        request.cluster, search=listing.values["q"], status=listing.values["status"]
    )
    queue = selectors.lines_for_cluster(request.cluster, queue=True).count()
    return form_page(
        request,
        form=form,
        template="frontend/fees/statements.html",
        save=lambda data: services.statement_import(
            actor=_actor(request),
            cluster=request.cluster,
            file_name=data["file"].name,
            data=data["file"].read(),
        ),
        success=lambda statement: reverse("fees:statement", args=[statement.pk]),
        message=_("Выписка загружена: проверьте сопоставление и проведите её."),
        submit=_("Загрузить"),
        context={
            "page": listing.page(rows),
            "listing": listing,
            "sorting": listing.sorting,
            "queue": queue,
            "multipart": True,
            "demo_file": demo.demo_statement_path(request.cluster).exists(),
        },
        invalid_status=400,
    )


@managers
@require_GET
def demo_file(request: ClusterHttpRequest) -> HttpResponse:
    """The demo's statement file (written by `make demo`), to download and upload again."""
    path = demo.demo_statement_path(request.cluster)
    if not path.exists():
        raise Http404
    response = HttpResponse(path.read_bytes(), content_type="text/plain; charset=windows-1251")
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


@managers
@require_GET
def statement_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    statement = or_404(selectors.statement_get(request.cluster, pk))
    counts: dict[str, int] = {}
    for value in selectors.lines_for_cluster(request.cluster, statement_id=statement.pk).values_list(
        "state", flat=True
    ):
        counts[value] = counts.get(value, 0) + 1
    listing = _line_listing(request, default="number", states=set(counts), everything=_("Все строки"))
    state = listing.values["state"]
    lines = selectors.lines_for_cluster(
        request.cluster, statement_id=statement.pk, state=state or None, search=listing.values["q"]
    )
    return render(
        request,
        "frontend/fees/statement.html",
        {
            "statement": statement,
            "page": listing.page(lines),
            "listing": listing,
            "sorting": listing.sorting,
            "counts": [
                (value, label, counts[value])
                for value, label in BankStatementLine.State.choices
                if value in counts
            ],
            "state": state,
            "preview": statement.status == BankStatement.Status.PREVIEW,
        },
    )


@managers
@require_http_methods(["GET", "POST"])
def statement_apply(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    statement = or_404(selectors.statement_get(request.cluster, pk))
    back = reverse("fees:statement", args=[statement.pk])
    if request.method == "POST":
        return action(
            request,
            lambda: services.statement_apply(actor=_actor(request), statement=statement),
            success=back,
            message=_("Выписка проведена: платежи по сопоставленным строкам записаны."),
        )
    bookable = (
        selectors.lines_for_cluster(request.cluster, statement_id=statement.pk)
        .filter(state__in=["matched", "partial", "overpaid"])
        .count()
    )
    return form_page(
        request,
        form=ConfirmForm(),
        save=lambda data: None,
        success=back,
        title=_("Провести выписку «%(name)s»?") % {"name": statement.file_name},
        cancel=back,
        submit=_("Провести"),
        context={"subnav": SUBNAV},
        intro=_(
            "Будут записаны платежи банковским переводом по %(n)s сопоставленным строкам — все "
            "сразу или ни одного. Строки без счёта останутся в очереди на разбор. Повторно "
            "загруженные платежи второй раз не проводятся."
        )
        % {"n": bookable},
    )


@managers
@require_GET
def queue(request: ClusterHttpRequest) -> HttpResponse:
    listing = _line_listing(request, default="-date", states=QUEUE, everything=_("Все на разбор"))
    lines = selectors.lines_for_cluster(request.cluster, queue=True, search=listing.values["q"])
    if listing.values["state"] in QUEUE:
        lines = lines.filter(state=listing.values["state"])
    return render(
        request,
        "frontend/fees/statement_queue.html",
        {"page": listing.page(lines), "listing": listing, "sorting": listing.sorting},
    )


def _line(request: ClusterHttpRequest, pk: int) -> BankStatementLine:
    return or_404(selectors.line_get(request.cluster, pk))


@managers
@require_GET
def line_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    line = _line(request, pk)
    query = request.GET.get("q", "").strip()
    found = (
        invoices_for_cluster(request.cluster, status=UNPAID, search=query, ordering="company")[:PAGE_SIZE]
        if query
        else []
    )
    return render(
        request,
        "frontend/fees/statement_line.html",
        {
            "line": line,
            "candidates": selectors.line_candidates(request.cluster, line),
            "found": found,
            "q": query,
        },
    )


@managers
@require_POST
def line_match(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    line = _line(request, pk)
    back = reverse("fees:statement_line", args=[line.pk])
    invoice_id = parse_id(request.POST.get("invoice", ""))
    invoice = or_404(
        invoices_for_cluster(request.cluster).filter(pk=invoice_id).first() if invoice_id else None
    )
    return action(
        request,
        lambda: services.line_match(actor=_actor(request), line=line, invoice=invoice),
        success=back,
        message=_("Платёж записан по счёту № %(number)s.") % {"number": invoice.number},
    )


@managers
@require_http_methods(["GET", "POST"])
def line_dismiss(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    line = _line(request, pk)
    back = reverse("fees:statement_line", args=[line.pk])
    return form_page(
        request,
        form=DismissForm(request.POST or None),
        save=lambda data: services.line_dismiss(actor=_actor(request), line=line, reason=data["reason"]),
        success=reverse("fees:statement_queue"),
        message=_("Строка отклонена."),
        title=_("Отклонить платёж № %(number)s от %(date)s?")
        % {"number": line.document_number, "date": f"{line.date:%d.%m.%Y}"},
        cancel=back,
        submit=_("Отклонить"),
        context={"subnav": SUBNAV, "danger": True},
        intro=_("Платёж не будет зачтён ни по одному счёту и уйдёт из очереди."),
    )
