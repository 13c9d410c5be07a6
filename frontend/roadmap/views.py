"""Pages of the roadmap area: the list, a roadmap's six-column table, an item (progress,
evidence, history), import (upload -> preview -> confirm), approval and versions.

Every role of the cluster reads; cluster admins and staff change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.accounts.access import MANAGERS_ONLY
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.selectors import audit_for_object
from core.audit.services import Actor
from frontend.access import MANAGERS, cluster_page, not_found
from frontend.forms import apply_errors
from tenants.roadmap import selectors, services
from tenants.roadmap.models import Item, Roadmap, RoadmapImport

from .forms import ApproveForm, EvidenceForm, ImportForm, PlanForm, ProgressForm, RoadmapForm

readers = cluster_page(Grant.CLUSTER_ROLES)
managers = cluster_page(MANAGERS)
ITEMS_PER_PAGE = 100


def _is_manager(request: HttpRequest) -> bool:
    return bool(user_cluster_roles(request.user, request.cluster) & MANAGERS)  # type: ignore[attr-defined]


def _optional_url(name: str, *args: Any) -> str:
    """Links to pages other parts of the area add (report, progress, timeline), when present."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _roadmap_or_404(request: HttpRequest, pk: int) -> Roadmap | None:
    return selectors.roadmap_get(roadmap_id=pk)


@readers
@require_GET
def roadmap_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    page = Paginator(selectors.roadmap_list(query=query, status=status), 25).get_page(request.GET.get("page"))
    return render(request, "frontend/roadmap/list.html", {
        "page": page, "query": query, "status": status, "statuses": Roadmap.Status.choices,
        "manager": _is_manager(request), "my_items_url": _optional_url("roadmap:my_items"),
    })


@managers
@require_http_methods(["GET", "POST"])
def roadmap_create(request: HttpRequest) -> HttpResponse:
    form = RoadmapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            roadmap = services.roadmap_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Дорожная карта создана. Загрузите мероприятия из файла или "
                                        "создайте новую версию позже."))
            return redirect("roadmap:detail", pk=roadmap.pk)
    return render(request, "frontend/roadmap/form.html", {
        "form": form, "title": _("Новая дорожная карта"), "submit": _("Создать"),
        "cancel": reverse("roadmap:list")})


@readers
@require_GET
def roadmap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = _roadmap_or_404(request, pk)
    if roadmap is None:
        return not_found(request)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    section = request.GET.get("section", "")
    ordering = request.GET.get("sort", "")
    items = selectors.roadmap_items(roadmap=roadmap, query=query, status=status,
                                    section_id=int(section) if section.isdigit() else None, ordering=ordering)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    sections = selectors.roadmap_sections(roadmap=roadmap)
    by_id = {s.pk: s for s in sections}
    # The table as rows: a section row wherever the section changes (in the source order).
    rows: list[tuple[str, Any]] = []
    last_section = None
    for item in page:
        if not ordering and item.section_id != last_section:
            rows.append(("section", by_id[item.section_id]))
            last_section = item.section_id
        rows.append(("item", item))
    counts = selectors.status_counts(roadmap=roadmap)
    total = sum(n for s, n in counts.items() if s != Item.Status.CANCELLED)
    manager = _is_manager(request)
    latest = not roadmap.next_versions.exists()
    context = {
        "roadmap": roadmap, "page": page, "rows": rows, "sections": sections, "counts": counts,
        "status_labels": dict(Item.Status.choices), "statuses": Item.Status.choices,
        "total": total, "done_percent": round(100 * counts[Item.Status.DONE] / total) if total else 0,
        "f": {"q": query, "status": status, "section": section, "sort": ordering},
        "filtered": bool(query or status or section), "manager": manager, "latest": latest,
        "versions": selectors.roadmap_versions(roadmap=roadmap),
        "approve_form": ApproveForm(decisions=services.approval_decisions().filter(roadmaps__isnull=True))
        if manager and roadmap.status == Roadmap.Status.DRAFT else None,
        "report_url": _optional_url("roadmap:report", roadmap.pk),
        "pdf_in_background": services.report_in_background(roadmap=roadmap, fmt="pdf"),
        "progress_url": _optional_url("roadmap:progress", roadmap.pk),
        "timeline_url": _optional_url("roadmap:timeline", roadmap.pk),
    }
    return render(request, "frontend/roadmap/detail.html", context)


@managers
@require_http_methods(["GET", "POST"])
def roadmap_edit(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = _roadmap_or_404(request, pk)
    if roadmap is None:
        return not_found(request)
    initial = {"title": roadmap.title, "period_start": roadmap.period_start, "period_end": roadmap.period_end}
    form = RoadmapForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.roadmap_update(actor=Actor.from_request(request), roadmap=roadmap, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("roadmap:detail", pk=roadmap.pk)
    return render(request, "frontend/roadmap/form.html", {
        "form": form, "title": _("Дорожная карта: название и период"), "submit": _("Сохранить"),
        "cancel": reverse("roadmap:detail", args=[roadmap.pk])})


def _action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    roadmap = _roadmap_or_404(request, pk)
    if roadmap is None:
        return not_found(request)
    try:
        result = run(roadmap)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("roadmap:detail", pk=roadmap.pk)
    messages.success(request, done)
    return redirect("roadmap:detail", pk=(result or roadmap).pk)


@managers
@require_POST
def roadmap_approve(request: HttpRequest, pk: int) -> HttpResponse:
    form = ApproveForm(request.POST, decisions=services.approval_decisions())
    if not form.is_valid():
        messages.error(request, _("Выберите решение общего собрания."))
        return redirect("roadmap:detail", pk=pk)
    return _action(request, pk, lambda r: services.roadmap_approve(
        actor=Actor.from_request(request), roadmap=r, decision=form.cleaned_data["decision"]),
        _("Дорожная карта утверждена."))


@managers
@require_POST
def roadmap_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda r: services.roadmap_new_version(actor=Actor.from_request(request), roadmap=r),
                   _("Создан черновик новой версии: измените план и утвердите его решением общего собрания."))


@managers
@require_POST
def roadmap_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda r: services.roadmap_close(actor=Actor.from_request(request), roadmap=r),
                   _("Дорожная карта закрыта."))


@managers
@require_http_methods(["GET", "POST"])
def roadmap_delete(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = _roadmap_or_404(request, pk)
    if roadmap is None:
        return not_found(request)
    if request.method == "POST":
        try:
            services.roadmap_delete(actor=Actor.from_request(request), roadmap=roadmap)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("roadmap:detail", pk=roadmap.pk)
        messages.success(request, _("Черновик «%(title)s» удалён.") % {"title": roadmap.title})
        return redirect("roadmap:list")
    return render(request, "frontend/roadmap/confirm_delete.html",
                  {"roadmap": roadmap, "item_count": roadmap.items.count()})


# --- items -----------------------------------------------------------------------------

@readers
@require_http_methods(["GET", "POST"])
def item_detail(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    roadmap = _roadmap_or_404(request, pk)
    item = selectors.item_get(roadmap=roadmap, item_id=item_id) if roadmap else None
    if roadmap is None or item is None:
        return not_found(request)
    manager = _is_manager(request)
    editable_plan = manager and roadmap.status == Roadmap.Status.DRAFT
    open_roadmap = roadmap.status != Roadmap.Status.CLOSED
    progress = ProgressForm(initial={"status": item.status, "actual_result": item.actual_result,
                                     "comments": item.comments})
    plan = PlanForm(initial={"title": item.title, "executors_text": item.executors_text,
                             "deadline_text": item.deadline_text, "expected_result": item.expected_result})
    evidence = EvidenceForm()
    if request.method == "POST":
        if not manager:
            raise PermissionDenied(MANAGERS_ONLY)
        which = request.POST.get("form")
        form = {"progress": ProgressForm, "plan": PlanForm, "evidence": EvidenceForm}.get(which or "", ProgressForm)(
            request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise ValidationError(_("Проверьте введённые данные."))
            if which == "evidence":
                services.evidence_add(actor=Actor.from_request(request), item=item, **form.cleaned_data)
                messages.success(request, _("Файл загружен."))
            else:
                services.item_update(actor=Actor.from_request(request), item=item, **form.cleaned_data)
                messages.success(request, _("Мероприятие %(number)s сохранено.") % {"number": item.number})
            return redirect("roadmap:item", pk=roadmap.pk, item_id=item.pk)
        except ValidationError as exc:
            if not form.errors or not exc.messages == [_("Проверьте введённые данные.")]:
                apply_errors(form, exc)
        if which == "plan":
            plan = form  # type: ignore[assignment]
        elif which == "evidence":
            evidence = form  # type: ignore[assignment]
        else:
            progress = form  # type: ignore[assignment]
    history = list(audit_for_object(cluster=request.cluster, obj=item)[:50])  # type: ignore[attr-defined]
    return render(request, "frontend/roadmap/item.html", {
        "roadmap": roadmap, "item": item, "manager": manager, "editable_plan": editable_plan,
        "open_roadmap": open_roadmap, "progress_form": progress, "plan_form": plan, "evidence_form": evidence,
        "history": history, "status_labels": dict(Item.Status.choices),
    }, status=400 if request.method == "POST" else 200)


@readers
@require_GET
def evidence_download(request: HttpRequest, pk: int, item_id: int, evidence_id: int) -> HttpResponseBase:
    roadmap = _roadmap_or_404(request, pk)
    item = selectors.item_get(roadmap=roadmap, item_id=item_id) if roadmap else None
    evidence = selectors.evidence_get(item=item, evidence_id=evidence_id) if item else None
    if evidence is None:
        return not_found(request)
    return FileResponse(evidence.file.open("rb"), as_attachment=True,
                        filename=(evidence.file.name or "file").rsplit("/", 1)[-1])


@managers
@require_POST
def evidence_delete(request: HttpRequest, pk: int, item_id: int, evidence_id: int) -> HttpResponse:
    roadmap = _roadmap_or_404(request, pk)
    item = selectors.item_get(roadmap=roadmap, item_id=item_id) if roadmap else None
    evidence = selectors.evidence_get(item=item, evidence_id=evidence_id) if item else None
    if item is None or evidence is None:
        return not_found(request)
    try:
        services.evidence_delete(actor=Actor.from_request(request), evidence=evidence)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Файл «%(title)s» удалён.") % {"title": evidence.title})
    return redirect("roadmap:item", pk=pk, item_id=item.pk)


# --- import --------------------------------------------------------------------------------

@managers
@require_http_methods(["GET", "POST"])
def roadmap_import(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    if request.GET.get("replaces", "").isdigit():
        initial["replaces"] = int(request.GET["replaces"])
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        try:
            preview = services.roadmap_import_preview(actor=Actor.from_request(request), data=upload,
                                                      filename=upload.name or "file", **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("roadmap:import_preview", import_id=preview.pk)
    return render(request, "frontend/roadmap/import.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@managers
@require_http_methods(["GET", "POST"])
def roadmap_import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    upload = selectors.import_get(import_id=import_id)
    if upload is None:
        return not_found(request)
    if request.method == "POST":
        try:
            roadmap = services.roadmap_import_confirm(actor=Actor.from_request(request), upload=upload)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("roadmap:import_preview", import_id=upload.pk)
        counts = upload.parsed["counts"]
        messages.success(request, _("Импортировано: разделов %(sections)s, мероприятий %(items)s.") % counts)
        return redirect("roadmap:detail", pk=roadmap.pk)
    return render(request, "frontend/roadmap/import_preview.html", {
        "upload": upload, "plan": upload.parsed, "done": upload.status == RoadmapImport.Status.DONE,
        "status_labels": dict(Item.Status.choices),
        "kind_labels": {"person": _("человек"), "company": _("участник"), "committee": _("комитет"),
                        "organization": _("организация")},
    })
