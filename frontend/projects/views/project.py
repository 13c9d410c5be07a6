"""A project: creating it, its card, editing it (participants and links included), its status,
deleting an idea, and its budget by year and source."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.projects import services
from tenants.projects.models import JointProject, ProjectBudget
from tenants.projects.selectors import (
    approval_decisions,
    budget_row_get,
    contract_candidates,
    participant_candidates,
    product_candidates,
    project_budget,
    project_documents,
    project_indicators,
    project_participants,
    project_support,
    roadmap_item_candidates,
)

from ..display import indicators_by_year
from ..forms import BudgetForm, ProjectForm, ReturnForm, StatusForm
from .common import FORM, access_of, actor, card_url, managers, project_or_404, readers, writes_indicators

Status = JointProject.Status
MOVE_LABELS: dict[str, Any] = {
    Status.APPROVED: gettext_lazy("Одобрить"),
    Status.IN_PROGRESS: gettext_lazy("Начать реализацию"),
    Status.DONE: gettext_lazy("Завершить"),
    Status.STOPPED: gettext_lazy("Остановить"),
}
MOVE_DONE: dict[str, Any] = {
    Status.APPROVED: gettext_lazy("Проект одобрен."),
    Status.IN_PROGRESS: gettext_lazy("Проект реализуется."),
    Status.DONE: gettext_lazy("Проект завершён."),
    Status.STOPPED: gettext_lazy("Проект остановлен."),
}


def _project_form(request: ClusterHttpRequest, project: JointProject | None = None) -> ProjectForm:
    initial = ProjectForm.initial_for(project) if project is not None else None
    return ProjectForm(
        request.POST or None,
        initial=initial,
        companies=participant_candidates(project=project),
        products=product_candidates(),
        items=roadmap_item_candidates(project=project),
        contracts=contract_candidates(),
    )


@managers
@require_http_methods(["GET", "POST"])
def project_create(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        template=FORM,
        form=_project_form(request),
        save=lambda data: services.project_create(actor=actor(request), **ProjectForm.service_kwargs(data)),
        success=lambda project: card_url(project.pk),
        message=lambda project: _("Проект «%(title)s» создан.") % {"title": project.title},
        title=_("Новый совместный проект"),
        cancel=reverse("projects:list"),
        submit=_("Создать проект"),
        intro=_(
            "Участники — организации, состоявшие в кластере весь срок проекта; головной участник один. "
            "Проект создаётся в состоянии «Идея»."
        ),
    )


@managers
@require_http_methods(["GET", "POST"])
def project_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    project = project_or_404(request, pk)
    return form_page(
        request,
        template=FORM,
        form=_project_form(request, project),
        save=lambda data: services.project_update(
            project=project, actor=actor(request), **ProjectForm.service_kwargs(data)
        ),
        success=card_url(project.pk),
        message=_("Изменения сохранены."),
        title=_("Проект: %(title)s") % {"title": project.title},
        cancel=card_url(project.pk),
    )


def _budget_table(project: JointProject) -> dict[str, Any]:
    """Rows by year, columns by source, with totals (kopecks; None where nothing was entered)."""
    cells = {(row.year, row.source): row.amount_kopecks for row in project_budget(project=project)}
    sources = ProjectBudget.Source.choices
    rows = []
    for year in project.years:
        amounts = [(source, label, cells.get((year, source))) for source, label in sources]
        rows.append({"year": year, "cells": amounts, "total": sum(a or 0 for _s, _l, a in amounts)})
    totals = [
        (label, sum(cells.get((year, source)) or 0 for year in project.years)) for source, label in sources
    ]
    return {
        "sources": sources,
        "rows": rows,
        "totals": totals,
        "grand": sum(t for _l, t in totals),
        "empty": not cells,
    }


@readers
@require_GET
def project_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    project = project_or_404(request, pk)
    access = access_of(request)
    moves = (
        sorted(
            services.STATUS_MOVES.get(project.status, frozenset()), key=lambda s: list(Status.values).index(s)
        )
        if access.manager
        else []
    )
    decisions = approval_decisions() if Status.APPROVED in moves else approval_decisions().none()
    status_forms = [
        (
            move,
            MOVE_LABELS[move],
            StatusForm(initial={"status": move}, decisions=decisions, auto_id=f"id_{move}_%s"),
        )
        for move in moves
    ]
    return render(
        request,
        "frontend/projects/detail.html",
        {
            "project": project,
            "manager": access.manager,
            "writer": writes_indicators(request, project),
            "participants": project_participants(project=project),
            "products": project.products.select_related("company").order_by("name", "id"),
            "budget": _budget_table(project),
            "indicator_years": indicators_by_year(list(project_indicators(project=project))),
            "support": project_support(project=project),
            "roadmap_items": project.roadmap_items.select_related("roadmap").order_by(
                "roadmap_id", "position"
            ),
            "contracts": project.contracts.select_related("party_a", "party_b").order_by("signed_on", "id"),
            "documents": project_documents(project=project),
            "status_forms": status_forms,
            "has_decisions": bool(decisions),
            "return_form": ReturnForm(),
        },
    )


@managers
@require_POST
def project_status(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    project = project_or_404(request, pk)
    back = card_url(project.pk, "status")
    form = StatusForm(request.POST, decisions=approval_decisions())
    if not form.is_valid():
        messages.error(
            request, _("Выберите новое состояние и, для одобрения, принятое решение органа кластера.")
        )
        return redirect(back)
    data = form.cleaned_data
    return action(
        request,
        lambda: services.project_set_status(
            project=project, actor=actor(request), status=data["status"], decision=data["decision"]
        ),
        success=back,
        message=MOVE_DONE.get(data["status"], _("Состояние изменено.")),
    )


@managers
@require_POST
def project_delete(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    project = project_or_404(request, pk)
    return action(
        request,
        lambda: services.project_delete(project=project, actor=actor(request)),
        success=reverse("projects:list"),
        failure=card_url(project.pk),
        message=_("Проект «%(title)s» удалён.") % {"title": project.title},
    )


@managers
@require_http_methods(["GET", "POST"])
def budget_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """Add or change the amount of a year and source (the year and source may come from the card's link)."""
    project = project_or_404(request, pk)
    initial: dict[str, Any] = {"year": request.GET.get("year"), "source": request.GET.get("source")}
    year = request.GET.get("year", "")
    if year.isdigit() and initial["source"]:
        row = budget_row_get(project=project, year=int(year), source=str(initial["source"]))
        if row is not None:
            initial["amount_kopecks"] = row.amount_kopecks
    return form_page(
        request,
        template=FORM,
        form=BudgetForm(request.POST or None, initial=initial, years=project.years),
        save=lambda data: services.budget_set(project=project, actor=actor(request), **data),
        success=card_url(project.pk, "budget"),
        message=lambda row: _("Бюджет на %(year)s год сохранён.") % {"year": row.year},
        title=_("Бюджет проекта «%(title)s»") % {"title": project.title},
        cancel=card_url(project.pk, "budget"),
        intro=_("Сумма за год по источнику, в рублях с копейками; повторный ввод заменяет прежнюю сумму."),
    )
