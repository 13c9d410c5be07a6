"""Pages of the cluster's public site and its management (namespace "site").

Public pages (events, calendar, members directory, products, news, articles, jobs, documents)
answer anyone on a cluster host; management pages need a cluster admin or staff role.
Each view parses input, checks access, calls a service or selector and renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.models import Grant
from core.audit.services import Actor
from frontend.access import (
    MANAGERS,
    PUBLIC,
    cluster_page,
    cluster_role_required,
    forbidden,
    not_found,
)
from tenants.content import services as content
from tenants.content.directory import (
    DIRECTORY_STATUSES,
    catalogue_products,
    directory_companies,
    directory_company_with_products,
    public_company,
)
from tenants.content.selectors import (
    article_get,
    article_list,
    document_file,
    document_get,
    document_list,
    job_get,
    job_list,
    news_get,
    news_list,
)
from tenants.events import services as events
from tenants.events.models import Event
from tenants.events.month import Month, month_grid
from tenants.events.selectors import (
    EventAccess,
    cluster_today,
    event_access,
    event_get,
    event_list,
    events_between,
    participant_companies,
)
from tenants.members.models import Company, Product

from .forms import ArticleForm, DocumentForm, EventForm, JobForm, NewsForm, ParticipationForm, apply_errors

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 20


public_page = cluster_page(PUBLIC)


def _access(request: HttpRequest) -> EventAccess:
    return event_access(user=request.user, cluster=request.cluster)  # type: ignore[attr-defined]


def _page(request: HttpRequest, qs: QuerySet | list, size: int = PAGE_SIZE) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _q(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:200]


# --- events -------------------------------------------------------------------------------

@public_page
def event_list_page(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    query, kind = _q(request), request.GET.get("kind", "")
    period, sort = request.GET.get("period", ""), request.GET.get("sort", "") or "-starts_on"
    qs = event_list(public_only=not access.sees_all, query=query, kind=kind, period=period, ordering=sort,
                    today=cluster_today(request.cluster))  # type: ignore[attr-defined]
    return render(request, "frontend/site/events.html", {
        "page": _page(request, qs), "q": query, "kind": kind, "period": period, "sort": sort,
        "kinds": Event.Kind.choices, "access": access,
    })


WEEKDAYS = [gettext_lazy("Пн"), gettext_lazy("Вт"), gettext_lazy("Ср"), gettext_lazy("Чт"),
            gettext_lazy("Пт"), gettext_lazy("Сб"), gettext_lazy("Вс")]


@public_page
def event_calendar(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    today = cluster_today(request.cluster)  # type: ignore[attr-defined]
    month = Month.parse(request.GET.get("month", ""), default=today)
    start, end = month.grid_bounds()
    found = list(events_between(start=start, end=end, public_only=not access.sees_all))
    return render(request, "frontend/site/calendar.html", {
        "weeks": month_grid(month, found, today=today), "month": month, "weekdays": WEEKDAYS,
        "this_month": Month(today.year, today.month), "access": access, "event_count": len(found),
    })


def _render_event(request: HttpRequest, event: Event, access: EventAccess,
                  form: ParticipationForm | None = None, status: int = 200) -> HttpResponse:
    participations = list(event.participations.all())
    if not access.sees_all:  # the public sees current members only
        participations = [p for p in participations if p.company.status in DIRECTORY_STATUSES]
    today = cluster_today(request.cluster)  # type: ignore[attr-defined]
    may_register = access.manages or (bool(access.company_ids) and event.ends_on >= today)
    if may_register and form is None:
        form = ParticipationForm(companies=participant_companies() if access.manages else None,
                                 joint_stand=event.has_joint_stand)
    registered = {p.company_id for p in participations}
    return render(request, "frontend/site/event.html", {
        "event": event, "participations": participations, "access": access,
        "form": form if may_register else None, "is_past": event.ends_on < today,
        "own_registered": bool(access.company_ids & registered),
        "withdrawable": {p.company_id for p in participations if access.manages
                         or (p.company_id in access.company_ids and event.ends_on >= today)},
    }, status=status)


@public_page
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request)
    event = event_get(event_id=pk, public_only=not access.sees_all)
    if event is None:
        return not_found(request)
    return _render_event(request, event, access)


@cluster_role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = events.event_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Мероприятие «%(title)s» добавлено.") % {"title": event.title})
            return redirect("site:event", pk=event.pk)
    return render(request, "frontend/site/form.html", {
        "form": form, "title": _("Новое мероприятие"), "submit": _("Добавить"), "cancel": reverse("site:events"),
    })


@cluster_role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_get(event_id=pk, public_only=False)
    if event is None:
        return not_found(request)
    initial = {name: getattr(event, name) for name in EventForm.base_fields}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if not (k == "ends_on" and v is None)}
        fields.setdefault("ends_on", form.cleaned_data["starts_on"])
        try:
            events.event_update(event=event, actor=Actor.from_request(request), **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("site:event", pk=event.pk)
    return render(request, "frontend/site/form.html", {
        "form": form, "title": _("Мероприятие: %(title)s") % {"title": event.title}, "submit": _("Сохранить"),
        "cancel": reverse("site:event", kwargs={"pk": event.pk}),
    })


@cluster_role_required(MANAGERS)
@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_get(event_id=pk, public_only=False)
    if event is None:
        return not_found(request)
    events.event_delete(event=event, actor=Actor.from_request(request))
    messages.success(request, _("Мероприятие «%(title)s» удалено.") % {"title": event.title})
    return redirect("site:events")


@cluster_role_required(Grant.CLUSTER_ROLES)
@require_POST
def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request)
    event = event_get(event_id=pk, public_only=False)
    if event is None:
        return not_found(request)
    form = ParticipationForm(request.POST, companies=participant_companies() if access.manages else None,
                             joint_stand=event.has_joint_stand)
    if form.is_valid():
        if access.manages:
            company_id = form.cleaned_data["company"].pk
        elif len(access.company_ids) == 1:
            company_id = next(iter(access.company_ids))
        else:
            return forbidden(request, _("Ваша учётная запись не связана с организацией-участником."))
        try:
            events.participation_register(event=event, company_id=company_id, actor=Actor.from_request(request),
                                          role=form.cleaned_data["role"], note=form.cleaned_data["note"])
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Участие зарегистрировано."))
            return redirect("site:event", pk=event.pk)
    return _render_event(request, event, access, form=form, status=400)


@cluster_role_required(Grant.CLUSTER_ROLES)
@require_POST
def event_withdraw(request: HttpRequest, pk: int, company_id: int) -> HttpResponse:
    event = event_get(event_id=pk, public_only=False)
    if event is None:
        return not_found(request)
    try:
        events.participation_withdraw(event=event, company_id=company_id, actor=Actor.from_request(request))
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Участие снято."))
    return redirect("site:event", pk=event.pk)


# --- members directory and products ---------------------------------------------------------

@public_page
def directory(request: HttpRequest) -> HttpResponse:
    query, kind, sort = _q(request), request.GET.get("kind", ""), request.GET.get("sort", "")
    page = _page(request, directory_companies(query=query, kind=kind, ordering=sort), 24)
    return render(request, "frontend/site/directory.html", {
        "page": page, "cards": [public_company(c) for c in page], "q": query, "kind": kind, "sort": sort,
        "kinds": Company.Kind.choices,
    })


@public_page
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = directory_company_with_products(company_id=pk)
    if company is None:
        return not_found(request)
    return render(request, "frontend/site/company.html", {
        "card": public_company(company), "products": company.public_products,  # type: ignore[attr-defined]
    })


@public_page
def products(request: HttpRequest) -> HttpResponse:
    query, kind, sort = _q(request), request.GET.get("kind", ""), request.GET.get("sort", "")
    innovative = request.GET.get("innovative") == "1"
    qs = catalogue_products(query=query, kind=kind, innovative=True if innovative else None, ordering=sort)
    return render(request, "frontend/site/products.html", {
        "page": _page(request, qs), "q": query, "kind": kind, "sort": sort, "innovative": innovative,
        "kinds": Product.Kind.choices,
    })


# --- public content -----------------------------------------------------------------------

def _is_manager(request: HttpRequest) -> bool:
    return _access(request).manages


@public_page
def news_public(request: HttpRequest) -> HttpResponse:
    query = _q(request)
    return render(request, "frontend/site/news.html",
                  {"page": _page(request, news_list(published_only=True, query=query)), "q": query})


@public_page
def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = news_get(news_id=pk, published_only=not _is_manager(request))
    if item is None:
        return not_found(request)
    return render(request, "frontend/site/news_item.html", {"item": item})


@public_page
def articles_public(request: HttpRequest) -> HttpResponse:
    query = _q(request)
    return render(request, "frontend/site/articles.html",
                  {"page": _page(request, article_list(published_only=True, query=query)), "q": query})


@public_page
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = article_get(article_id=pk, published_only=not _is_manager(request))
    if item is None:
        return not_found(request)
    return render(request, "frontend/site/article.html", {"item": item})


@public_page
def jobs_public(request: HttpRequest) -> HttpResponse:
    query = _q(request)
    qs = job_list(published_only=True, query=query, today=cluster_today(request.cluster))  # type: ignore[attr-defined]
    return render(request, "frontend/site/jobs.html", {"page": _page(request, qs), "q": query})


@public_page
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = job_get(job_id=pk, published_only=not _is_manager(request))
    if item is None:
        return not_found(request)
    return render(request, "frontend/site/job.html", {"item": item})


@public_page
def documents_public(request: HttpRequest) -> HttpResponse:
    query = _q(request)
    return render(request, "frontend/site/documents.html",
                  {"page": _page(request, document_list(published_only=True, query=query)), "q": query})


@public_page
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Streams a published document to anyone (drafts to managers) from this cluster's folder."""
    document = document_get(document_id=pk, published_only=not _is_manager(request))
    stream = document_file(document=document) if document is not None else None
    if document is None or stream is None:
        return not_found(request)
    return FileResponse(stream, as_attachment=True,
                        filename=document.original_name or (document.file.name or "").rsplit("/", 1)[-1])


# --- content management (cluster admin and staff) --------------------------------------------

@dataclass(frozen=True)
class ContentKind:
    """How the management pages handle one kind of site content."""

    key: str
    title: str | Promise
    new_title: str | Promise
    form_class: type[forms.Form]
    rows: Callable[[str], QuerySet]
    get: Callable[[int], Model | None]
    create: Callable[..., Model]
    update: Callable[..., Model]
    delete: Callable[..., None]
    public_url: str
    initial_fields: tuple[str, ...]

    def form(self, *args: Any, obj: Model | None = None, **kwargs: Any) -> forms.Form:
        if self.form_class is JobForm:
            kwargs["companies"] = participant_companies()
        if self.form_class is DocumentForm:
            kwargs["editing"] = obj is not None
        if obj is not None:
            kwargs["initial"] = {**{f: getattr(obj, f) for f in self.initial_fields},
                                 "publish": getattr(obj, "is_published", False)}
        return self.form_class(*args, **kwargs)


CONTENT_KINDS = {
    "news": ContentKind(
        key="news", title=gettext_lazy("Новости"), new_title=gettext_lazy("Новая новость"), form_class=NewsForm,
        rows=lambda q: news_list(published_only=False, query=q),
        get=lambda pk: news_get(news_id=pk, published_only=False),
        create=lambda actor, **f: content.news_create(actor=actor, **f),
        update=lambda obj, actor, **f: content.news_update(news=obj, actor=actor, **f),
        delete=lambda obj, actor: content.news_delete(news=obj, actor=actor),
        public_url="site:news_detail", initial_fields=("title", "body"),
    ),
    "articles": ContentKind(
        key="articles", title=gettext_lazy("Статьи"), new_title=gettext_lazy("Новая статья"),
        form_class=ArticleForm,
        rows=lambda q: article_list(published_only=False, query=q),
        get=lambda pk: article_get(article_id=pk, published_only=False),
        create=lambda actor, **f: content.article_create(actor=actor, **f),
        update=lambda obj, actor, **f: content.article_update(article=obj, actor=actor, **f),
        delete=lambda obj, actor: content.article_delete(article=obj, actor=actor),
        public_url="site:article", initial_fields=("title", "lead", "body", "author"),
    ),
    "jobs": ContentKind(
        key="jobs", title=gettext_lazy("Вакансии"), new_title=gettext_lazy("Новая вакансия"), form_class=JobForm,
        rows=lambda q: job_list(published_only=False, query=q),
        get=lambda pk: job_get(job_id=pk, published_only=False),
        create=lambda actor, **f: content.job_create(actor=actor, **f),
        update=lambda obj, actor, **f: content.job_update(job=obj, actor=actor, **f),
        delete=lambda obj, actor: content.job_delete(job=obj, actor=actor),
        public_url="site:job",
        initial_fields=("title", "company", "description", "location", "salary", "expires_on"),
    ),
    "documents": ContentKind(
        key="documents", title=gettext_lazy("Документы"), new_title=gettext_lazy("Новый документ"),
        form_class=DocumentForm,
        rows=lambda q: document_list(published_only=False, query=q),
        get=lambda pk: document_get(document_id=pk, published_only=False),
        create=lambda actor, **f: content.document_upload(actor=actor, **f),
        update=lambda obj, actor, **f: content.document_update(document=obj, actor=actor, **f),
        delete=lambda obj, actor: content.document_delete(document=obj, actor=actor),
        public_url="site:document_download", initial_fields=("title", "description"),
    ),
}


def _kind(key: str) -> ContentKind:
    return CONTENT_KINDS[key]


@cluster_role_required(MANAGERS)
def manage_list(request: HttpRequest, kind: str) -> HttpResponse:
    spec, query = _kind(kind), _q(request)
    return render(request, "frontend/site/manage_list.html", {
        "spec": spec, "page": _page(request, spec.rows(query)), "q": query,
        "new_url": reverse(f"site:manage_{kind}_create"), "edit_url": f"site:manage_{kind}_edit",
        "delete_url": f"site:manage_{kind}_delete", "kinds": CONTENT_KINDS.values(),
    })


@cluster_role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def manage_create(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _kind(kind)
    form = spec.form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            obj = spec.create(Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("«%(title)s» сохранено.") % {"title": str(obj)})
            return redirect(f"site:manage_{kind}")
    return render(request, "frontend/site/form.html", {
        "form": form, "title": spec.new_title, "submit": _("Добавить"), "multipart": kind == "documents",
        "cancel": reverse(f"site:manage_{kind}"),
    })


@cluster_role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def manage_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    obj = spec.get(pk)
    if obj is None:
        return not_found(request)
    form = spec.form(request.POST or None, request.FILES or None, obj=obj)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if kind == "documents" and not fields.get("file"):
            fields.pop("file", None)
        try:
            spec.update(obj, Actor.from_request(request), **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect(f"site:manage_{kind}")
    return render(request, "frontend/site/form.html", {
        "form": form, "title": str(obj), "submit": _("Сохранить"), "multipart": kind == "documents",
        "cancel": reverse(f"site:manage_{kind}"),
    })


@cluster_role_required(MANAGERS)
@require_POST
def manage_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    obj = spec.get(pk)
    if obj is None:
        return not_found(request)
    spec.delete(obj, Actor.from_request(request))
    messages.success(request, _("«%(title)s» удалено.") % {"title": str(obj)})
    return redirect(f"site:manage_{kind}")
