"""Pages of the roadmap area: the list, a roadmap's six-column table, an item (progress,
evidence, history), import (upload -> preview -> confirm), approval and versions.

Every role of the cluster reads; cluster admins and staff change (the services check it).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import display
from core.accounts.access import member_access
from core.audit.selectors import audit_for_object
from core.audit.services import Actor
from frontend.access import MANAGERS, READERS, cluster_page, or_404
from frontend.pages import action, form_page
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest
from tenants.roadmap import selectors, services
from tenants.roadmap.models import Evidence, Item, Roadmap, RoadmapImport

from .forms import ApproveForm, EvidenceForm, ImportForm, PlanForm, ProgressForm, RoadmapForm

readers = cluster_page(READERS)
managers = cluster_page(MANAGERS)
ITEMS_PER_PAGE = 100
# Sortable columns of the roadmap list (frontend.tables): ?sort=key / -key.
ROADMAP_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "-version", "id"),
    "period": ("period_start", "version", "id"),
    "version": ("version", "period_start", "id"),
    "status": ("status", "-period_start", "-id"),
    "done": ("done_count", "item_count", "id"),
}
# Sortable columns of a roadmap's items; the default (by number) shows the section rows.
ITEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("position",),
    "title": ("title", "position"),
    "deadline": ("deadline_end", "position"),
    "status": ("status", "position"),
}


def _is_manager(request: ClusterHttpRequest) -> bool:
    return member_access(user=request.user, cluster=request.cluster).manager


def _optional_url(name: str, *args: Any) -> str:
    """Links to pages other parts of the area add (report, progress, timeline), when present."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _roadmap(pk: int) -> Roadmap:
    return or_404(selectors.roadmap_get(roadmap_id=pk))


def _item(pk: int, item_id: int) -> tuple[Roadmap, Item]:
    roadmap = _roadmap(pk)
    return roadmap, or_404(selectors.item_get(roadmap=roadmap, item_id=item_id))


def _evidence(pk: int, item_id: int, evidence_id: int) -> tuple[Item, Evidence]:
    item = _item(pk, item_id)[1]
    return item, or_404(selectors.evidence_get(item=item, evidence_id=evidence_id))


def _detail_url(roadmap: Roadmap) -> str:
    return reverse("roadmap:detail", args=[roadmap.pk])


@readers
@require_GET
def roadmap_list(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=ROADMAP_COLUMNS,
        default="-period",
        filters=(
            search(_("Название")),
            Filter("status", _("Статус"), choices=Roadmap.Status.choices, placeholder=_("Все статусы")),
        ),
    )
    qs = selectors.roadmap_list(query=listing.values["q"], status=listing.values["status"])
    return render(
        request,
        "frontend/roadmap/list.html",
        {
            "page": listing.page(qs),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": _is_manager(request),
            "my_items_url": _optional_url("roadmap:my_items"),
        },
    )


@managers
@require_http_methods(["GET", "POST"])
def roadmap_create(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        form=RoadmapForm(request.POST or None),
        save=lambda data: services.roadmap_create(actor=Actor.from_request(request), **data),
        success=_detail_url,
        message=_("Дорожная карта создана. Загрузите мероприятия из файла или создайте новую версию позже."),
        title=_("Новая дорожная карта"),
        submit=_("Создать"),
        cancel=reverse("roadmap:list"),
    )


@readers
@require_GET
def roadmap_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    roadmap = _roadmap(pk)
    sections = selectors.roadmap_sections(roadmap=roadmap)
    listing = list_controls(
        request,
        columns=ITEM_COLUMNS,
        default="number",
        filters=(
            search(_("Мероприятие, исполнитель, результат, №")),
            Filter(
                "section",
                _("Раздел"),
                choices=[(s.pk, f"{s.number} {s.title[:50]}") for s in sections],
                placeholder=_("Все разделы"),
            ),
            Filter("status", _("Статус"), choices=Item.Status.choices, placeholder=_("Все статусы")),
        ),
        page_size=ITEMS_PER_PAGE,
    )
    section = listing.values["section"]
    items = selectors.roadmap_items(
        roadmap=roadmap,
        query=listing.values["q"],
        status=listing.values["status"],
        section_id=int(section) if section.isdigit() else None,
    )
    page = listing.page(items)
    by_id = {s.pk: s for s in sections}
    # The table as rows: a section row wherever the section changes (in the source order).
    rows: list[tuple[str, Any]] = []
    last_section = None
    for item in page:
        if listing.sorting.is_default and item.section_id != last_section:
            rows.append(("section", by_id[item.section_id]))
            last_section = item.section_id
        rows.append(("item", item))
    counts = selectors.status_counts(roadmap=roadmap)
    total = sum(n for s, n in counts.items() if s != Item.Status.CANCELLED)
    manager = _is_manager(request)
    latest = not roadmap.next_versions.exists()
    context = {
        "roadmap": roadmap,
        "page": page,
        "rows": rows,
        "sections": sections,
        "counts": counts,
        "status_labels": dict(Item.Status.choices),
        "listing": listing,
        "sorting": listing.sorting,
        "total": total,
        "done_percent": round(100 * counts[Item.Status.DONE] / total) if total else 0,
        "manager": manager,
        "latest": latest,
        "versions": selectors.roadmap_versions(roadmap=roadmap),
        "approve_form": ApproveForm(decisions=services.approval_decisions().filter(roadmaps__isnull=True))
        if manager and roadmap.status == Roadmap.Status.DRAFT
        else None,
        "report_url": _optional_url("roadmap:report", roadmap.pk),
        "pdf_in_background": services.report_in_background(roadmap=roadmap, fmt="pdf"),
        "progress_url": _optional_url("roadmap:progress", roadmap.pk),
        "timeline_url": _optional_url("roadmap:timeline", roadmap.pk),
    }
    return render(request, "frontend/roadmap/detail.html", context)


@managers
@require_http_methods(["GET", "POST"])
def roadmap_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    roadmap = _roadmap(pk)
    initial = {"title": roadmap.title, "period_start": roadmap.period_start, "period_end": roadmap.period_end}
    return form_page(
        request,
        form=RoadmapForm(request.POST or None, initial=initial),
        save=lambda data: services.roadmap_update(actor=Actor.from_request(request), roadmap=roadmap, **data),
        success=_detail_url,
        message=_("Изменения сохранены."),
        title=_("Дорожная карта: название и период"),
        cancel=_detail_url(roadmap),
    )


@managers
@require_POST
def roadmap_approve(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    roadmap = _roadmap(pk)
    form = ApproveForm(request.POST, decisions=services.approval_decisions())

    def approve() -> Roadmap:
        if not form.is_valid():
            raise ValidationError(_("Выберите решение общего собрания."))
        return services.roadmap_approve(
            actor=Actor.from_request(request), roadmap=roadmap, decision=form.cleaned_data["decision"]
        )

    return action(request, approve, success=_detail_url(roadmap), message=_("Дорожная карта утверждена."))


@managers
@require_POST
def roadmap_new_version(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    roadmap = _roadmap(pk)
    return action(
        request,
        lambda: services.roadmap_new_version(actor=Actor.from_request(request), roadmap=roadmap),
        success=_detail_url,
        failure=_detail_url(roadmap),
        message=_("Создан черновик новой версии: измените план и утвердите его решением общего собрания."),
    )


@managers
@require_POST
def roadmap_close(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    roadmap = _roadmap(pk)
    return action(
        request,
        lambda: services.roadmap_close(actor=Actor.from_request(request), roadmap=roadmap),
        success=_detail_url(roadmap),
        message=_("Дорожная карта закрыта."),
    )


@managers
@require_http_methods(["GET", "POST"])
def roadmap_delete(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    roadmap = _roadmap(pk)
    if request.method == "POST":
        return action(
            request,
            lambda: services.roadmap_delete(actor=Actor.from_request(request), roadmap=roadmap),
            success=reverse("roadmap:list"),
            failure=_detail_url(roadmap),
            message=_("Черновик «%(title)s» удалён.") % {"title": roadmap.title},
        )
    return render(
        request,
        "frontend/roadmap/confirm_delete.html",
        {"roadmap": roadmap, "item_count": roadmap.items.count()},
    )


# --- items -----------------------------------------------------------------------------


@readers
@require_http_methods(["GET", "POST"])
def item_detail(request: ClusterHttpRequest, pk: int, item_id: int) -> HttpResponseBase:
    """The item with three forms (progress, plan, evidence); a POST names its form in «form»."""
    roadmap, item = _item(pk, item_id)
    manager = _is_manager(request)
    posted = request.POST.get("form") if request.method == "POST" else None
    which = posted if posted in ("plan", "evidence") else "progress"

    def data(name: str) -> tuple[Any, Any]:
        return (request.POST, request.FILES) if request.method == "POST" and name == which else (None, None)

    forms = {
        "progress": ProgressForm(
            *data("progress"),
            initial={"status": item.status, "actual_result": item.actual_result, "comments": item.comments},
        ),
        "plan": PlanForm(
            *data("plan"),
            initial={
                "title": item.title,
                "executors_text": item.executors_text,
                "deadline_text": item.deadline_text,
                "expected_result": item.expected_result,
            },
        ),
        "evidence": EvidenceForm(*data("evidence")),
    }

    def save(cleaned: dict[str, Any]) -> Any:
        actor = Actor.from_request(request)
        if which == "evidence":
            return services.evidence_add(actor=actor, item=item, **cleaned)
        return services.item_update(actor=actor, item=item, **cleaned)

    message = (
        _("Файл загружен.")
        if which == "evidence"
        else _("Мероприятие %(number)s сохранено.") % {"number": item.number}
    )
    return form_page(
        request,
        form=forms[which],
        save=save,
        success=reverse("roadmap:item", args=[roadmap.pk, item.pk]),
        message=message,
        template="frontend/roadmap/item.html",
        invalid_status=400,
        context={
            "roadmap": roadmap,
            "item": item,
            "manager": manager,
            "editable_plan": manager and roadmap.status == Roadmap.Status.DRAFT,
            "open_roadmap": roadmap.status != Roadmap.Status.CLOSED,
            "progress_form": forms["progress"],
            "plan_form": forms["plan"],
            "evidence_form": forms["evidence"],
            "history": display.entry_rows(audit_for_object(cluster=request.cluster, obj=item)[:50]),
            "status_labels": dict(Item.Status.choices),
        },
    )


@readers
@require_GET
def evidence_download(
    request: ClusterHttpRequest, pk: int, item_id: int, evidence_id: int
) -> HttpResponseBase:
    evidence = _evidence(pk, item_id, evidence_id)[1]
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=(evidence.file.name or "file").rsplit("/", 1)[-1],
    )


@managers
@require_POST
def evidence_delete(request: ClusterHttpRequest, pk: int, item_id: int, evidence_id: int) -> HttpResponseBase:
    item, evidence = _evidence(pk, item_id, evidence_id)
    return action(
        request,
        lambda: services.evidence_delete(actor=Actor.from_request(request), evidence=evidence),
        success=reverse("roadmap:item", args=[pk, item.pk]),
        message=_("Файл «%(title)s» удалён.") % {"title": evidence.title},
    )


# --- import --------------------------------------------------------------------------------


@managers
@require_http_methods(["GET", "POST"])
def roadmap_import(request: ClusterHttpRequest) -> HttpResponseBase:
    initial: dict[str, Any] = {}
    if request.GET.get("replaces", "").isdigit():
        initial["replaces"] = int(request.GET["replaces"])

    def preview(data: dict[str, Any]) -> RoadmapImport:
        upload = data.pop("file")
        return services.roadmap_import_preview(
            actor=Actor.from_request(request), data=upload, filename=upload.name or "file", **data
        )

    return form_page(
        request,
        form=ImportForm(request.POST or None, request.FILES or None, initial=initial),
        save=preview,
        success=lambda upload: reverse("roadmap:import_preview", kwargs={"import_id": upload.pk}),
        title=_("Загрузка дорожной карты"),
        submit=_("Проверить файл"),
        cancel=reverse("roadmap:list"),
        intro=_(
            "Таблица из шести столбцов: №, Наименование мероприятия, Ответственные исполнители, Сроки "
            "исполнения, Ожидаемый результат, примечание, Результат. Сначала вы увидите, что будет создано, "
            "и предупреждения; сохраняется всё или ничего."
        ),
        invalid_status=400,
    )


@managers
@require_http_methods(["GET", "POST"])
def roadmap_import_preview(request: ClusterHttpRequest, import_id: int) -> HttpResponseBase:
    upload = or_404(selectors.import_get(import_id=import_id))
    if request.method == "POST":
        return action(
            request,
            lambda: services.roadmap_import_confirm(actor=Actor.from_request(request), upload=upload),
            success=_detail_url,
            failure=reverse("roadmap:import_preview", kwargs={"import_id": upload.pk}),
            message=_("Импортировано: разделов %(sections)s, мероприятий %(items)s.")
            % upload.parsed["counts"],
        )
    return render(
        request,
        "frontend/roadmap/import_preview.html",
        {
            "upload": upload,
            "plan": upload.parsed,
            "done": upload.status == RoadmapImport.Status.DONE,
            "status_labels": dict(Item.Status.choices),
            "kind_labels": {
                "person": _("человек"),
                "company": _("участник"),
                "committee": _("комитет"),
                "organization": _("организация"),
            },
        },
    )
