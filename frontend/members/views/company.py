"""A company: creating it, its card, editing it and its membership lifecycle."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.selectors import company_dues_status
from core.audit.services import Actor
from core.ru.regions import REGIONS
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.models import Company
from tenants.members.selectors import (
    admission_decisions_pending,
    company_contracts,
    company_history,
    company_invitations_pending,
    company_representatives,
    status_since,
)

from ..forms import CompanyCreateForm, CompanyForm, CompanyProfileForm, InviteForm, LifecycleForm
from .common import access_of, company_or_404, detail_url, managers, readers

Action = Company.Action


@managers
@require_http_methods(["GET", "POST"])
def member_create(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        form=CompanyCreateForm(request.POST or None),
        save=lambda data: services.company_create(actor=Actor.from_request(request), **data),
        check=services.company_check,
        success=lambda company: reverse("members:detail", args=[company.pk]),
        message=lambda company: _("Организация «%(name)s» добавлена.") % {"name": company},
        title=_("Новая организация"),
        cancel=reverse("members:list"),
    )


@readers
@require_GET
def member_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    company = company_or_404(request, pk)
    access = access_of(request)
    actions = services.lifecycle_actions(company) if access.manager else []
    decisions = admission_decisions_pending(company=company)
    has_decision = Action.ADMIT in actions and decisions.exists()
    history = list(company_history(company=company))
    forms = []
    for name in actions:
        if name == Action.ADMIT and not has_decision:
            continue
        form = LifecycleForm(
            initial={"action": name},
            auto_id=f"id_{name}_%s",
            decisions=decisions if name == Action.ADMIT else decisions.none(),
        )
        forms.append((name, Action(name).label, form))
    return render(
        request,
        "frontend/members/detail.html",
        {
            "company": company,
            "manager": access.manager,
            "region_name": REGIONS.get(company.region_code, company.region_code),
            "history": history,
            "status_since": status_since(company=company, history=history),
            "lifecycle_forms": forms,
            "admission_waiting": Action.ADMIT in actions and not has_decision,
            "representatives": company_representatives(company=company, cluster=request.cluster)
            if access.manager
            else [],
            "invitations": company_invitations_pending(company=company, now=timezone.now())
            if access.manager
            else [],
            "invite_form": InviteForm() if access.manager else None,
            "products": company.products.order_by("name", "id"),
            "kpis": company.kpi_reports.order_by("-year"),
            "contracts": company_contracts(company=company),
            "dues": company_dues_status(request.cluster, company.pk),
        },
    )


@readers
@require_http_methods(["GET", "POST"])
def member_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    company = company_or_404(request, pk)
    manager = access_of(request).manager
    form_class = CompanyForm if manager else CompanyProfileForm
    return form_page(
        request,
        form=form_class(request.POST or None, initial=CompanyProfileForm.initial_for(company)),
        save=lambda data: services.company_update(company=company, actor=Actor.from_request(request), **data),
        check=lambda data: services.company_check(data, company=company),
        success=detail_url(company.pk),
        message=_("Изменения сохранены."),
        title=_("Карточка организации: %(name)s") % {"name": company},
        cancel=detail_url(company.pk),
        intro="" if manager else _("Наименование, ИНН, ОГРН, КПП и статус меняют сотрудники кластера."),
    )


LIFECYCLE_DONE = {
    Action.APPLY: gettext_lazy("Заявка организации отмечена."),
    Action.ADMIT: gettext_lazy("Организация принята в члены кластера."),
    Action.ACTIVATE: gettext_lazy("Организация стала действующим участником."),
    Action.SUSPEND: gettext_lazy("Членство приостановлено."),
    Action.RESUME: gettext_lazy("Членство возобновлено."),
    Action.WITHDRAW: gettext_lazy("Выход из кластера оформлен."),
    Action.EXPEL: gettext_lazy("Организация исключена из кластера."),
}


def _lifecycle_call(*, company: Company, actor: Actor, name: str, reason: str, decision: Any) -> Company:
    if name == Action.ADMIT:
        if decision is None:
            raise ValidationError(_("Выберите решение общего собрания о приёме."))
        return services.member_admit(company=company, decision=decision, actor=actor)
    extra = {"decision": decision} if decision is not None else {}
    return services.LIFECYCLE_SERVICES[name](company=company, actor=actor, reason=reason, **extra)


@managers
@require_POST
def member_lifecycle(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    company = company_or_404(request, pk)
    back = detail_url(company.pk, "lifecycle")
    form = LifecycleForm(request.POST, decisions=admission_decisions_pending(company=company))
    if not form.is_valid():
        messages.error(request, _("Выберите действие и, если нужно, решение общего собрания."))
        return redirect(back)
    data = form.cleaned_data
    return action(
        request,
        lambda: _lifecycle_call(
            company=company,
            actor=Actor.from_request(request),
            name=data["action"],
            reason=data["reason"],
            decision=data["decision"],
        ),
        success=back,
        message=LIFECYCLE_DONE[data["action"]],
    )
