"""The report-form editor (public host, platform admins only).

Next year's form is made without code: copy a year's form, edit its indicators, publish.
A published form is frozen (submitted reports point at it); the year's previous one is retired.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.audit.services import Actor
from core.federal import selectors, services
from core.federal.compute import COMPUTED_SOURCES, COUNT_SOURCES, KPI_SOURCES
from core.federal.models import Indicator, ReportForm
from core.federal.selectors import form_get, indicator_get
from frontend.access import or_404, platform_admin_required
from frontend.pages import action, form_page
from frontend.tables import Filter, ListControls, list_controls
from tenants.http import PlatformHttpRequest

from .forms import FormCopyForm, FormCreateForm, IndicatorForm

PAGE_SIZE = 20
# Sortable columns of the list (?sort=key / -key); newest years first by default, and the old
# ?sort=year (oldest years first) still works.
FORM_COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("year", "version", "id"),
    "version": ("version", "-year", "id"),
    "status": ("status", "-year", "-version"),
    "indicators": ("indicator_count", "-year", "-version"),
    "published": ("published_at", "-year", "-version"),
}
INDICATOR_FIELDS = (
    "code",
    "name_ru",
    "name_en",
    "unit",
    "value_type",
    "method",
    "source",
    "required",
    "hint",
    "position",
)


def _sources() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (_("Сумма показателей участников"), [(k, str(v)) for k, v in KPI_SOURCES.items()]),
        (_("Количество"), [(k, str(v)) for k, v in COUNT_SOURCES.items()]),
        (_("Вычисляется по правилу"), [(k, str(v)) for k, v in COMPUTED_SOURCES.items()]),
    ]


def _detail(pk: int) -> str:
    return reverse("reportforms:detail", args=[pk])


def _form_or_404(pk: int) -> ReportForm:
    return or_404(form_get(form_id=pk))


def _indicator_or_404(pk: int, indicator_id: int) -> tuple[ReportForm, Indicator]:
    form = _form_or_404(pk)
    return form, or_404(indicator_get(form=form, indicator_id=indicator_id))


@require_http_methods(["GET", "POST"])
@platform_admin_required
def form_list(request: PlatformHttpRequest) -> HttpResponseBase:
    create = FormCreateForm(request.POST if request.method == "POST" else None)
    listing = list_controls(
        request,
        columns=FORM_COLUMNS,
        default="-year",
        filters=(
            Filter("year", _("Год"), placeholder=_("Например, 2026")),
            Filter(
                "status", _("Состояние"), choices=ReportForm.Status.choices, placeholder=_("Все состояния")
            ),
        ),
        page_size=PAGE_SIZE,
    )
    return form_page(
        request,
        form=create,
        template="frontend/reportforms/list.html",
        save=lambda data: services.form_create(actor=Actor.from_request(request), **data),
        success=lambda form: _detail(form.pk),
        message=_("Форма создана: добавьте показатели и опубликуйте её."),
        context={
            "page": listing.page(_filtered(listing)),
            "listing": listing,
            "sorting": listing.sorting,
            "create": create,
        },
    )


def _filtered(listing: ListControls) -> QuerySet[ReportForm]:
    year, status = listing.values["year"], listing.values["status"]
    qs = selectors.form_list(year=int(year) if year.isdigit() else None).annotate(
        indicator_count=Count("indicators")
    )
    if year and not year.isdigit():
        qs = qs.none()  # «2026 год» or a typo finds nothing, it does not list every year
    if status in ReportForm.Status.values:
        qs = qs.filter(status=status)
    return qs


@require_http_methods(["GET", "POST"])
@platform_admin_required
def form_detail(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    form = _form_or_404(pk)
    editable = form.status == ReportForm.Status.DRAFT
    if request.method == "POST" and not editable:
        messages.error(request, _("Опубликованную форму изменить нельзя: сделайте копию и измените её."))
        return redirect(_detail(pk))
    add = IndicatorForm(request.POST if request.method == "POST" else None)
    return form_page(
        request,
        form=add,
        template="frontend/reportforms/detail.html",
        save=lambda data: services.indicator_create(actor=Actor.from_request(request), form=form, **data),
        success=_detail(pk),
        message=_("Показатель добавлен."),
        context={
            "form": form,
            "indicators": form.indicators.all(),
            "add": add,
            "editable": editable,
            "copy": FormCopyForm(initial={"year": form.year + 1}),
            "sources": _sources(),
            "report_count": form.reports.count(),
        },
    )


@require_POST
@platform_admin_required
def form_copy(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    form = _form_or_404(pk)
    data = FormCopyForm(request.POST)
    if not data.is_valid():
        messages.error(request, " ".join(str(e) for errors in data.errors.values() for e in errors))
        return redirect(_detail(pk))
    return action(
        request,
        lambda: services.form_copy(
            actor=Actor.from_request(request), form=form, year=data.cleaned_data["year"]
        ),
        success=lambda copy: _detail(copy.pk),
        failure=_detail(pk),
        message=_("Копия формы создана: измените показатели и опубликуйте её."),
    )


@require_POST
@platform_admin_required
def form_publish(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    form = _form_or_404(pk)
    return action(
        request,
        lambda: services.form_publish(actor=Actor.from_request(request), form=form),
        success=_detail(pk),
        message=_("Форма опубликована: кластеры заполняют отчёт за %(year)s год по ней.")
        % {"year": form.year},
    )


@require_POST
@platform_admin_required
def form_delete(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    form = _form_or_404(pk)
    return action(
        request,
        lambda: services.form_delete(actor=Actor.from_request(request), form=form),
        success=reverse("reportforms:list"),
        failure=_detail(pk),
        message=_("Черновик формы удалён."),
    )


@require_http_methods(["GET", "POST"])
@platform_admin_required
def indicator_edit(request: PlatformHttpRequest, pk: int, indicator_id: int) -> HttpResponseBase:
    form, indicator = _indicator_or_404(pk, indicator_id)
    initial = {name: getattr(indicator, name) for name in INDICATOR_FIELDS}
    edit = IndicatorForm(request.POST if request.method == "POST" else None, initial=initial)
    return form_page(
        request,
        form=edit,
        template="frontend/reportforms/indicator.html",
        save=lambda data: services.indicator_update(
            actor=Actor.from_request(request), indicator=indicator, **data
        ),
        success=_detail(pk),
        message=_("Показатель сохранён."),
        context={
            "form": form,
            "indicator": indicator,
            "edit": edit,
            "editable": form.status == ReportForm.Status.DRAFT,
            "sources": _sources(),
        },
    )


@require_POST
@platform_admin_required
def indicator_delete(request: PlatformHttpRequest, pk: int, indicator_id: int) -> HttpResponseBase:
    _form, indicator = _indicator_or_404(pk, indicator_id)
    return action(
        request,
        lambda: services.indicator_delete(actor=Actor.from_request(request), indicator=indicator),
        success=_detail(pk),
        message=_("Показатель удалён."),
    )
