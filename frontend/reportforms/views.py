"""The report-form editor (public host, platform admins only).

Next year's form is made without code: copy a year's form, edit its indicators, publish.
A published form is frozen (submitted reports point at it); the year's previous one is retired.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.audit.services import Actor
from core.federal import selectors, services
from core.federal.compute import COMPUTED_SOURCES, COUNT_SOURCES, KPI_SOURCES
from core.federal.models import ReportForm
from core.federal.selectors import form_get, indicator_get
from frontend.access import not_found, platform_admin_required
from frontend.forms import apply_errors

from .forms import FormCopyForm, FormCreateForm, IndicatorForm

PAGE_SIZE = 20
INDICATOR_FIELDS = ("code", "name_ru", "name_en", "unit", "value_type", "method", "source", "required", "hint",
                    "position")


def _sources() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(_("Сумма показателей участников"), [(k, str(v)) for k, v in KPI_SOURCES.items()]),
            (_("Количество"), [(k, str(v)) for k, v in COUNT_SOURCES.items()]),
            (_("Вычисляется по правилу"), [(k, str(v)) for k, v in COMPUTED_SOURCES.items()])]


@require_http_methods(["GET", "POST"])
@platform_admin_required
def form_list(request: HttpRequest) -> HttpResponse:
    create = FormCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and create.is_valid():
        try:
            form = services.form_create(actor=Actor.from_request(request), **create.cleaned_data)
        except ValidationError as exc:
            apply_errors(create, exc)
        else:
            messages.success(request, _("Форма создана: добавьте показатели и опубликуйте её."))
            return redirect("reportforms:detail", pk=form.pk)
    qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/reportforms/list.html", {
        "page": page, "create": create, "year": request.GET.get("year", ""),
        "status": request.GET.get("status", ""), "statuses": ReportForm.Status.choices,
        "sort": request.GET.get("sort", ""),
    })


def _filtered(request: HttpRequest) -> QuerySet[ReportForm]:
    year = request.GET.get("year", "")
    qs = selectors.form_list(year=int(year) if year.isdigit() else None).annotate(indicator_count=Count("indicators"))
    status = request.GET.get("status", "")
    if status in ReportForm.Status.values:
        qs = qs.filter(status=status)
    if request.GET.get("sort") == "year":
        qs = qs.order_by("year", "version")
    return qs


@require_http_methods(["GET", "POST"])
@platform_admin_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get(form_id=pk)
    if form is None:
        return not_found(request)
    editable = form.status == ReportForm.Status.DRAFT
    add = IndicatorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not editable:
            messages.error(request, _("Опубликованную форму изменить нельзя: сделайте копию и измените её."))
            return redirect("reportforms:detail", pk=pk)
        if add.is_valid():
            try:
                services.indicator_create(actor=Actor.from_request(request), form=form, **add.cleaned_data)
            except ValidationError as exc:
                apply_errors(add, exc)
            else:
                messages.success(request, _("Показатель добавлен."))
                return redirect("reportforms:detail", pk=pk)
    return render(request, "frontend/reportforms/detail.html", {
        "form": form, "indicators": form.indicators.all(), "add": add, "editable": editable,
        "copy": FormCopyForm(initial={"year": form.year + 1}), "sources": _sources(),
        "report_count": form.reports.count(),
    })


@require_POST
@platform_admin_required
def form_copy(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get(form_id=pk)
    if form is None:
        return not_found(request)
    data = FormCopyForm(request.POST)
    if not data.is_valid():
        messages.error(request, " ".join(str(e) for errors in data.errors.values() for e in errors))
        return redirect("reportforms:detail", pk=pk)
    try:
        copy = services.form_copy(actor=Actor.from_request(request), form=form, year=data.cleaned_data["year"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reportforms:detail", pk=pk)
    messages.success(request, _("Копия формы создана: измените показатели и опубликуйте её."))
    return redirect("reportforms:detail", pk=copy.pk)


@require_POST
@platform_admin_required
def form_publish(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get(form_id=pk)
    if form is None:
        return not_found(request)
    try:
        services.form_publish(actor=Actor.from_request(request), form=form)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Форма опубликована: кластеры заполняют отчёт за %(year)s год по ней.")
                         % {"year": form.year})
    return redirect("reportforms:detail", pk=pk)


@require_POST
@platform_admin_required
def form_delete(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get(form_id=pk)
    if form is None:
        return not_found(request)
    try:
        services.form_delete(actor=Actor.from_request(request), form=form)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reportforms:detail", pk=pk)
    messages.success(request, _("Черновик формы удалён."))
    return redirect("reportforms:list")


@require_http_methods(["GET", "POST"])
@platform_admin_required
def indicator_edit(request: HttpRequest, pk: int, indicator_id: int) -> HttpResponse:
    form = form_get(form_id=pk)
    indicator = indicator_get(form=form, indicator_id=indicator_id) if form else None
    if form is None or indicator is None:
        return not_found(request)
    initial = {name: getattr(indicator, name) for name in INDICATOR_FIELDS}
    edit = IndicatorForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and edit.is_valid():
        try:
            services.indicator_update(actor=Actor.from_request(request), indicator=indicator, **edit.cleaned_data)
        except ValidationError as exc:
            apply_errors(edit, exc)
        else:
            messages.success(request, _("Показатель сохранён."))
            return redirect("reportforms:detail", pk=pk)
    return render(request, "frontend/reportforms/indicator.html", {
        "form": form, "indicator": indicator, "edit": edit, "editable": form.status == ReportForm.Status.DRAFT,
        "sources": _sources(),
    })


@require_POST
@platform_admin_required
def indicator_delete(request: HttpRequest, pk: int, indicator_id: int) -> HttpResponse:
    form = form_get(form_id=pk)
    indicator = indicator_get(form=form, indicator_id=indicator_id) if form else None
    if form is None or indicator is None:
        return not_found(request)
    try:
        services.indicator_delete(actor=Actor.from_request(request), indicator=indicator)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Показатель удалён."))
    return redirect("reportforms:detail", pk=pk)
