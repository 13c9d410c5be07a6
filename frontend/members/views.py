"""Pages of the members area: the member list, a company's card and lifecycle, representatives
and their invitations, products, yearly figures, cooperation contracts, import and export.

Cluster admins and staff see every company; a member representative sees only its own company
(«Моя организация») and changes its profile, products and figures. Times are the cluster's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.selectors import company_dues_status
from core.accounts.access import MemberAccess, member_access
from core.accounts.middleware import bind_session_to_host
from core.accounts.models import User
from core.accounts.services import user_authenticate
from core.audit.services import Actor
from core.ru.regions import REGIONS
from frontend.access import (
    MANAGERS,
    READERS,
    cluster_page,
    forbidden,
    not_found,
)
from tenants.members import services
from tenants.members.company_export import CONTENT_TYPE, companies_xlsx, export_filename
from tenants.members.company_import import import_job_create
from tenants.members.models import Company, CooperationContract, ImportJob, KpiReport, Product
from tenants.members.selectors import (
    COMPANY_ORDERINGS,
    PRODUCT_ORDERINGS,
    admission_decisions_pending,
    company_contracts,
    company_get,
    company_history,
    company_invitations_pending,
    company_list,
    company_representatives,
    company_search,
    contract_get,
    contract_list,
    contract_search,
    import_job_get,
    import_jobs_recent,
    invitation_by_token,
    invitation_get,
    kpi_get,
    kpi_list,
    kpi_years,
    product_get,
    product_list,
    product_search,
)

from .forms import (
    CompanyCreateForm,
    CompanyForm,
    CompanyProfileForm,
    ConfirmForm,
    ContractForm,
    ImportForm,
    InviteForm,
    KpiCreateForm,
    KpiForm,
    KpiReturnForm,
    LifecycleForm,
    NewAccountForm,
    ProductForm,
    SignInForm,
    apply_errors,
)

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 25
IMPORT_ERRORS_SHOWN = 500


readers = cluster_page(READERS)
managers = cluster_page(MANAGERS)


def _access(request: HttpRequest) -> MemberAccess:
    cached = getattr(request, "_member_access", None)
    if cached is None:
        cached = member_access(user=request.user, cluster=request.cluster)  # type: ignore[attr-defined]
        request._member_access = cached  # type: ignore[attr-defined]
    return cached


def _company(request: HttpRequest, pk: int) -> Company | None:
    return company_get(company_id=pk, access=_access(request))


def _form_page(request: HttpRequest, *, form: Any, title: str, cancel: str, submit: str | None = None,
               multipart: bool = False, intro: str = "") -> HttpResponse:
    return render(request, "frontend/members/form.html", {
        "form": form, "title": title, "cancel": cancel, "submit": submit or _("Сохранить"),
        "multipart": multipart, "intro": intro,
    })


def _error_message(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _detail_url(company_id: int, anchor: str = "") -> str:
    return reverse("members:detail", args=[company_id]) + (f"#{anchor}" if anchor else "")


# --- the member list ----------------------------------------------------------------------

def _list_filters(request: HttpRequest) -> dict[str, str]:
    get = request.GET
    return {"query": get.get("q", ""), "status": get.get("status", ""), "kind": get.get("kind", ""),
            "region": get.get("region", ""), "sez": get.get("sez", ""), "ordering": get.get("sort", "name")}


@managers
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    qs = company_search(company_list(access=_access(request)), **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = sorted(REGIONS.items(), key=lambda item: item[1])
    return render(request, "frontend/members/list.html", {
        "page": page, "f": filters, "statuses": Company.Status.choices, "kinds": Company.Kind.choices,
        "regions": regions, "sorts": COMPANY_ORDERINGS, "query_string": request.GET.urlencode(),
    })


@managers
@require_GET
def member_export(request: HttpRequest) -> HttpResponse:
    qs = company_search(company_list(access=_access(request)), **_list_filters(request))
    response = HttpResponse(companies_xlsx(qs.iterator(chunk_size=500)), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    return response


@readers
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """«Моя организация»: a representative's company; managers go to the member list."""
    access = _access(request)
    if len(access.company_ids) == 1:
        return redirect("members:detail", next(iter(access.company_ids)))
    if access.manager:
        return redirect("members:list")
    return forbidden(request, _("Ваша учётная запись не привязана к организации-участнику."))


@managers
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    form = CompanyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Организация «%(name)s» добавлена.") % {"name": company})
            return redirect("members:detail", company.pk)
    return _form_page(request, form=form, title=_("Новая организация"), cancel=reverse("members:list"))


# --- a company ----------------------------------------------------------------------------

@readers
@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if company is None:
        return not_found(request)
    access = _access(request)
    cluster = request.cluster  # type: ignore[attr-defined]
    actions = services.lifecycle_actions(company) if access.manager else []
    decisions = admission_decisions_pending(company=company)
    has_decision = "admit" in actions and decisions.exists()
    forms = []
    for name in actions:
        if name == "admit" and not has_decision:
            continue
        form = LifecycleForm(initial={"action": name}, auto_id=f"id_{name}_%s",
                             decisions=decisions if name == "admit" else decisions.none())
        forms.append((name, form))
    return render(request, "frontend/members/detail.html", {
        "company": company, "manager": access.manager,
        "region_name": REGIONS.get(company.region_code, company.region_code),
        "history": company_history(company=company),
        "lifecycle_forms": forms, "admission_waiting": "admit" in actions and not has_decision,
        "representatives": company_representatives(company=company, cluster=cluster) if access.manager else [],
        "invitations": company_invitations_pending(company=company, now=timezone.now()) if access.manager else [],
        "invite_form": InviteForm() if access.manager else None,
        "products": company.products.order_by("name", "id"),
        "kpis": company.kpi_reports.order_by("-year"),
        "contracts": company_contracts(company=company),
        "dues": company_dues_status(cluster, company.pk),
    })


@readers
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if company is None:
        return not_found(request)
    manager = _access(request).manager
    form_class = CompanyForm if manager else CompanyProfileForm
    form = form_class(request.POST or None, initial=CompanyProfileForm.initial_for(company))
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(company=company, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("members:detail", company.pk)
    intro = "" if manager else _("Наименование, ИНН, ОГРН, КПП и статус меняют сотрудники кластера.")
    return _form_page(request, form=form, title=_("Карточка организации: %(name)s") % {"name": company},
                      cancel=_detail_url(company.pk), intro=intro)


LIFECYCLE_DONE = {
    "apply": gettext_lazy("Заявка организации отмечена."),
    "admit": gettext_lazy("Организация принята в члены кластера."),
    "activate": gettext_lazy("Организация стала действующим участником."),
    "suspend": gettext_lazy("Членство приостановлено."),
    "resume": gettext_lazy("Членство возобновлено."),
    "withdraw": gettext_lazy("Выход из кластера оформлен."),
    "expel": gettext_lazy("Организация исключена из кластера."),
}


@managers
@require_POST
def member_lifecycle(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if company is None:
        return not_found(request)
    form = LifecycleForm(request.POST, decisions=admission_decisions_pending(company=company))
    if not form.is_valid():
        messages.error(request, _("Выберите действие и, если нужно, решение общего собрания."))
        return redirect(_detail_url(company.pk, "lifecycle"))
    name, reason, decision = form.cleaned_data["action"], form.cleaned_data["reason"], form.cleaned_data["decision"]
    try:
        if name == "admit":
            if decision is None:
                raise ValidationError(_("Выберите решение общего собрания о приёме."))
            services.member_admit(company=company, decision=decision, actor=Actor.from_request(request))
        else:
            extra = {"decision": decision} if decision is not None else {}
            services.LIFECYCLE_SERVICES[name](company=company, actor=Actor.from_request(request), reason=reason, **extra)
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, str(LIFECYCLE_DONE[name]))
    return redirect(_detail_url(company.pk, "lifecycle"))


# --- representatives ----------------------------------------------------------------------

@managers
@require_POST
def representative_invite(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if company is None:
        return not_found(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Введите правильный адрес электронной почты."))
        return redirect(_detail_url(company.pk, "representatives"))
    try:
        services.invitation_create(company=company, email=form.cleaned_data["email"], actor=Actor.from_request(request),
                                   base_url=request.build_absolute_uri("/"))
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("Приглашение отправлено на %(email)s.") % {"email": form.cleaned_data["email"]})
    return redirect(_detail_url(company.pk, "representatives"))


@managers
@require_POST
def representative_revoke(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    company = _company(request, pk)
    if company is None:
        return not_found(request)
    try:
        services.representative_revoke(company=company, user_id=user_id, actor=Actor.from_request(request))
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("Права представителя отозваны."))
    return redirect(_detail_url(company.pk, "representatives"))


@managers
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    company = _company(request, pk)
    invitation = invitation_get(company=company, invitation_id=invitation_id) if company else None
    if company is None or invitation is None:
        return not_found(request)
    try:
        services.invitation_revoke(invitation=invitation, actor=Actor.from_request(request))
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("Приглашение отозвано."))
    return redirect(_detail_url(company.pk, "representatives"))


def _invitation_problem(invitation: Any) -> str | None:
    if invitation is None:
        return _("Приглашение не найдено. Проверьте ссылку из письма.")
    if invitation.accepted_at is not None:
        return _("Это приглашение уже использовано.")
    if invitation.revoked_at is not None:
        return _("Это приглашение отозвано. Попросите сотрудников кластера прислать новое.")
    if invitation.expires_at <= timezone.now():
        return _("Срок действия приглашения истёк. Попросите сотрудников кластера прислать новое.")
    return None


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link: create an account or sign in, then become a representative."""
    cluster = getattr(request, "cluster", None)
    if cluster is None:
        return not_found(request)
    invitation = invitation_by_token(token=token)
    problem = _invitation_problem(invitation)
    if problem or invitation is None:
        return render(request, "frontend/members/invitation.html", {"problem": problem},
                      status=404 if invitation is None else 410)
    account = User.objects.filter(email__iexact=invitation.email).first()
    signed_in_as_invitee = account is not None and request.user.is_authenticated and request.user.pk == account.pk
    data = request.POST if request.method == "POST" else None
    form: Any
    if account is None:
        form = NewAccountForm(data)
    elif signed_in_as_invitee:
        form = ConfirmForm(data)
    else:
        form = SignInForm(data)
    if request.method == "POST" and form.is_valid():
        user: User | None = None
        if account is not None:
            if signed_in_as_invitee:
                user = account
            else:
                result = user_authenticate(email=invitation.email, password=form.cleaned_data["password"])
                user = result.user
                if result.locked:
                    form.add_error(None, _("Слишком много неудачных попыток входа. Попробуйте позже."))
                elif user is None:
                    form.add_error("password", _("Неверный пароль."))
        if not form.errors:
            try:
                user = services.invitation_accept(
                    invitation=invitation, actor=Actor.from_request(request, allow_anonymous=True), user=user,
                    full_name=form.cleaned_data.get("full_name", ""), password=form.cleaned_data.get("password", ""))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if not signed_in_as_invitee:
                    login(request, user, backend="core.accounts.backends.EmailLockoutBackend")
                    bind_session_to_host(request)
                messages.success(request, _("Вы — представитель организации «%(name)s».")
                                 % {"name": invitation.company})
                return redirect("members:detail", invitation.company_id)
    return render(request, "frontend/members/invitation.html", {
        "invitation": invitation, "form": form, "account_exists": account is not None,
        "signed_in_as_invitee": signed_in_as_invitee,
    })


# --- products -----------------------------------------------------------------------------

@readers
@require_GET
def products(request: HttpRequest) -> HttpResponse:
    query, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    innovative, sort = request.GET.get("innovative", ""), request.GET.get("sort", "name")
    qs = product_search(product_list(access=_access(request)), query=query, kind=kind, innovative=innovative,
                        ordering=sort)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/members/products.html", {
        "page": page, "q": query, "kind": kind, "innovative": innovative, "sort": sort,
        "kinds": Product.Kind.choices, "sorts": PRODUCT_ORDERINGS, "manager": _access(request).manager,
    })


@readers
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if company is None:
        return not_found(request)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=Actor.from_request(request), company=company, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Продукт «%(name)s» добавлен.") % {"name": product.name})
            return redirect(_detail_url(company.pk, "products"))
    return _form_page(request, form=form, title=_("Новый продукт: %(name)s") % {"name": company},
                      cancel=_detail_url(company.pk, "products"))


@readers
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = product_get(product_id=product_id, access=_access(request))
    if product is None:
        return not_found(request)
    form = ProductForm(request.POST or None, initial=ProductForm.initial_for(product))
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(product=product, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect(_detail_url(product.company_id, "products"))
    return _form_page(request, form=form, title=_("Продукт: %(name)s") % {"name": product.name},
                      cancel=_detail_url(product.company_id, "products"))


@readers
@require_POST
def product_delete(request: HttpRequest, product_id: int) -> HttpResponse:
    product = product_get(product_id=product_id, access=_access(request))
    if product is None:
        return not_found(request)
    services.product_delete(product=product, actor=Actor.from_request(request))
    messages.success(request, _("Продукт «%(name)s» удалён.") % {"name": product.name})
    return redirect(_detail_url(product.company_id, "products"))


# --- yearly figures -----------------------------------------------------------------------

@readers
@require_GET
def kpis(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    year, status, query = request.GET.get("year", ""), request.GET.get("status", ""), request.GET.get("q", "")
    qs = kpi_list(access=access)
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if status in KpiReport.Status.values:
        qs = qs.filter(status=status)
    if query.strip():
        qs = qs.filter(company__short_name__icontains=query.strip())
    sort = request.GET.get("sort", "year")
    orderings = {"year": ("-year", "company__short_name", "id"), "company": ("company__short_name", "-year", "id"),
                 "revenue": ("-revenue", "id")}
    qs = qs.order_by(*orderings.get(sort, orderings["year"]))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/members/kpis.html", {
        "page": page, "year": year, "status": status, "q": query, "sort": sort, "years": kpi_years(access=access),
        "statuses": KpiReport.Status.choices, "manager": access.manager,
    })


@readers
@require_http_methods(["GET", "POST"])
def kpi_create(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if company is None:
        return not_found(request)
    form = KpiCreateForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        try:
            report = services.kpi_create(actor=Actor.from_request(request), company=company, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Показатели за %(year)s год сохранены как черновик.") % {"year": report.year})
            return redirect("members:kpi", report.pk)
    return _form_page(request, form=form, title=_("Показатели за год: %(name)s") % {"name": company},
                      cancel=_detail_url(company.pk, "kpis"),
                      intro=_("Суммы — в рублях с копейками, например «1 234 567,89»."))


@readers
@require_http_methods(["GET", "POST"])
def kpi_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    access = _access(request)
    report = kpi_get(report_id=report_id, access=access)
    if report is None:
        return not_found(request)
    editable = report.status != KpiReport.Status.ACCEPTED and (access.manager or report.status == KpiReport.Status.DRAFT)
    form = KpiForm(request.POST or None, initial=KpiForm.initial_for(report)) if editable else None
    if request.method == "POST":
        if form is None:
            return forbidden(request, _("Эти показатели сейчас изменить нельзя."))
        if form.is_valid():
            try:
                services.kpi_update(report=report, actor=Actor.from_request(request), **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Изменения сохранены."))
                return redirect("members:kpi", report.pk)
    return render(request, "frontend/members/kpi.html", {
        "report": report, "form": form, "manager": access.manager, "return_form": KpiReturnForm(),
        "figures": [(getattr(KpiReport._meta.get_field(name), "verbose_name", name), getattr(report, name),
                     name in KpiReport.MONEY_FIELDS) for name in (*KpiReport.MONEY_FIELDS, *KpiReport.COUNT_FIELDS)],
    })


KPI_DONE = {"submit": gettext_lazy("Показатели отправлены в кластер."), "accept": gettext_lazy("Показатели приняты."),
            "return": gettext_lazy("Показатели возвращены в черновик."),
            "delete": gettext_lazy("Черновик показателей удалён.")}


@readers
@require_POST
def kpi_action(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    report = kpi_get(report_id=report_id, access=_access(request))
    if report is None or action not in KPI_DONE:
        return not_found(request)
    actor = Actor.from_request(request)
    try:
        if action == "submit":
            services.kpi_submit(report=report, actor=actor)
        elif action == "accept":
            services.kpi_accept(report=report, actor=actor)
        elif action == "return":
            services.kpi_return(report=report, actor=actor, reason=request.POST.get("reason", ""))
        else:
            services.kpi_delete(report=report, actor=actor)
            messages.success(request, str(KPI_DONE[action]))
            return redirect(_detail_url(report.company_id, "kpis"))
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, str(KPI_DONE[action]))
    return redirect("members:kpi", report.pk)


# --- cooperation contracts ----------------------------------------------------------------

@readers
@require_GET
def contracts(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    query, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    qs = contract_search(contract_list(access=access), query=query, kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/members/contracts.html", {
        "page": page, "q": query, "kind": kind, "kinds": CooperationContract.Kind.choices,
        "manager": access.manager,
    })


@managers
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest) -> HttpResponse:
    parties = Company.objects.filter(status__in=[Company.Status.ADMITTED, Company.Status.ACTIVE,
                                                 Company.Status.SUSPENDED]).order_by("short_name", "id")
    form = ContractForm(request.POST or None, parties=parties)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Договор № %(number)s добавлен.") % {"number": contract.number})
            return redirect("members:contracts")
    return _form_page(request, form=form, title=_("Новый договор о кооперации"), cancel=reverse("members:contracts"),
                      intro=_("Договор между двумя участниками кластера: поставка продукции, совместный проект "
                              "или выполнение работ и оказание услуг."))


@managers
@require_POST
def contract_delete(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = contract_get(contract_id=contract_id, access=_access(request))
    if contract is None:
        return not_found(request)
    services.contract_delete(contract=contract, actor=Actor.from_request(request))
    messages.success(request, _("Договор № %(number)s удалён.") % {"number": contract.number})
    return redirect("members:contracts")


# --- import -------------------------------------------------------------------------------

@managers
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(actor=Actor.from_request(request), file=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("members:import_job", job.pk)
    return render(request, "frontend/members/import.html", {"form": form, "jobs": import_jobs_recent()})


def _job_data(job: ImportJob) -> dict[str, Any]:
    percent = 100 if job.status == ImportJob.Status.DONE else (
        int(job.processed * 100 / job.total) if job.total else 0)
    return {"id": job.pk, "status": job.status, "status_display": str(job.get_status_display()),
            "total": job.total, "processed": job.processed, "percent": percent,
            "created_count": job.created_count, "finished": job.is_finished,
            "errors": job.errors[:IMPORT_ERRORS_SHOWN], "error_count": len(job.errors)}


@managers
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get(job_id=job_id)
    if job is None:
        return not_found(request)
    return render(request, "frontend/members/import_job.html", {"job": job, "data": _job_data(job)})


@managers
@require_GET
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get(job_id=job_id)
    if job is None:
        return JsonResponse({"detail": _("Нет такой загрузки.")}, status=404)
    return JsonResponse(_job_data(job), json_dumps_params={"ensure_ascii": False})
