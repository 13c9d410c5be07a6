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
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.audit.services import Actor
from core.clock import cluster_today
from frontend.access import MANAGERS, PUBLIC, READERS, cluster_page, or_404
from frontend.pages import action, form_page
from frontend.tables import Filter, list_controls, search
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
    event_access,
    event_get,
    event_list,
    events_between,
    participant_companies,
)
from tenants.http import ClusterHttpRequest
from tenants.members.models import Company, Product

from .forms import ArticleForm, DocumentForm, EventForm, JobForm, NewsForm, ParticipationForm

PAGE_SIZE = 20
# Sortable columns of the event list (frontend.tables): ?sort=key / -key; newest first by default.
EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "starts_on": ("starts_on", "id"),
    "title": ("title", "id"),
    "kind": ("kind", "-starts_on", "-id"),
    "place": ("place", "-starts_on", "-id"),
    "participants": ("participant_count", "-starts_on", "-id"),
}
SUBNAV = "frontend/site/subnav.html"


def _access(request: ClusterHttpRequest) -> EventAccess:
    return event_access(user=request.user, cluster=request.cluster)


def _page(request: ClusterHttpRequest, qs: QuerySet | list, size: int = PAGE_SIZE) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _q(request: ClusterHttpRequest) -> str:
    return request.GET.get("q", "").strip()[:200]


# --- events -------------------------------------------------------------------------------


@cluster_page(PUBLIC)
def event_list_page(request: ClusterHttpRequest) -> HttpResponse:
    access = _access(request)
    columns = (
        EVENT_COLUMNS if access.sees_all else {k: v for k, v in EVENT_COLUMNS.items() if k != "participants"}
    )
    listing = list_controls(
        request,
        columns=columns,
        default="-starts_on",
        filters=(
            search(_("Название, место или организатор")),
            Filter("kind", _("Вид"), choices=Event.Kind.choices, placeholder=_("Все виды")),
            Filter(
                "period",
                _("Период"),
                choices=[("upcoming", _("Предстоящие")), ("past", _("Прошедшие"))],
                placeholder=_("Все"),
            ),
        ),
        page_size=PAGE_SIZE,
    )
    qs = event_list(
        public_only=not access.sees_all,
        query=listing.values["q"],
        kind=listing.values["kind"],
        period=listing.values["period"],
        today=cluster_today(request.cluster),
    )
    return render(
        request,
        "frontend/site/events.html",
        {"page": listing.page(qs), "listing": listing, "sorting": listing.sorting, "access": access},
    )


WEEKDAYS = [
    gettext_lazy("Пн"),
    gettext_lazy("Вт"),
    gettext_lazy("Ср"),
    gettext_lazy("Чт"),
    gettext_lazy("Пт"),
    gettext_lazy("Сб"),
    gettext_lazy("Вс"),
]


@cluster_page(PUBLIC)
def event_calendar(request: ClusterHttpRequest) -> HttpResponse:
    access = _access(request)
    today = cluster_today(request.cluster)
    month = Month.parse(request.GET.get("month", ""), default=today)
    start, end = month.grid_bounds()
    found = list(events_between(start=start, end=end, public_only=not access.sees_all))
    return render(
        request,
        "frontend/site/calendar.html",
        {
            "weeks": month_grid(month, found, today=today),
            "month": month,
            "weekdays": WEEKDAYS,
            "this_month": Month(today.year, today.month),
            "access": access,
            "event_count": len(found),
        },
    )


def _event_context(
    request: ClusterHttpRequest, event: Event, access: EventAccess, form: ParticipationForm | None = None
) -> dict[str, Any]:
    participations = list(event.participations.all())
    if not access.sees_all:  # the public sees current members only
        participations = [p for p in participations if p.company.status in DIRECTORY_STATUSES]
    today = cluster_today(request.cluster)
    may_register = access.manages or (bool(access.company_ids) and event.ends_on >= today)
    if may_register and form is None:
        form = _participation_form(event, access)
    registered = {p.company_id for p in participations}
    return {
        "event": event,
        "participations": participations,
        "access": access,
        "form": form if may_register else None,
        "is_past": event.ends_on < today,
        "own_registered": bool(access.company_ids & registered),
        "withdrawable": {
            p.company_id
            for p in participations
            if access.manages or (p.company_id in access.company_ids and event.ends_on >= today)
        },
    }


def _participation_form(event: Event, access: EventAccess, data: Any = None) -> ParticipationForm:
    return ParticipationForm(
        data, companies=participant_companies() if access.manages else None, joint_stand=event.has_joint_stand
    )


@cluster_page(PUBLIC)
def event_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    access = _access(request)
    event = or_404(event_get(event_id=pk, public_only=not access.sees_all))
    return render(request, "frontend/site/event.html", _event_context(request, event, access))


def _event_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A one-day event may leave the end date empty: it ends the day it starts."""
    return {**data, "ends_on": data.get("ends_on") or data["starts_on"]}


@cluster_page(MANAGERS)
@require_http_methods(["GET", "POST"])
def event_create(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        form=EventForm(request.POST or None),
        save=lambda data: events.event_create(actor=Actor.from_request(request), **data),
        success=lambda event: reverse("site:event", kwargs={"pk": event.pk}),
        message=lambda event: _("Мероприятие «%(title)s» добавлено.") % {"title": event.title},
        title=_("Новое мероприятие"),
        submit=_("Добавить"),
        cancel=reverse("site:events"),
        context={"subnav": SUBNAV},
    )


@cluster_page(MANAGERS)
@require_http_methods(["GET", "POST"])
def event_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    event = or_404(event_get(event_id=pk, public_only=False))
    url = reverse("site:event", kwargs={"pk": event.pk})
    return form_page(
        request,
        form=EventForm(
            request.POST or None, initial={name: getattr(event, name) for name in EventForm.base_fields}
        ),
        save=lambda data: events.event_update(
            event=event, actor=Actor.from_request(request), **_event_fields(data)
        ),
        success=url,
        message=_("Изменения сохранены."),
        title=_("Мероприятие: %(title)s") % {"title": event.title},
        cancel=url,
        context={"subnav": SUBNAV},
    )


@cluster_page(MANAGERS)
@require_POST
def event_delete(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    event = or_404(event_get(event_id=pk, public_only=False))
    return action(
        request,
        lambda: events.event_delete(event=event, actor=Actor.from_request(request)),
        success=reverse("site:events"),
        message=_("Мероприятие «%(title)s» удалено.") % {"title": event.title},
    )


@cluster_page(READERS)
@require_POST
def event_register(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    access = _access(request)
    event = or_404(event_get(event_id=pk, public_only=False))
    form = _participation_form(event, access, request.POST)

    def register(data: dict[str, Any]) -> Any:
        if access.manages:
            company_id = data["company"].pk
        elif len(access.company_ids) == 1:
            company_id = next(iter(access.company_ids))
        else:
            raise PermissionDenied(_("Ваша учётная запись не связана с организацией-участником."))
        return events.participation_register(
            event=event,
            company_id=company_id,
            actor=Actor.from_request(request),
            role=data["role"],
            note=data["note"],
        )

    return form_page(
        request,
        form=form,
        save=register,
        success=reverse("site:event", kwargs={"pk": event.pk}),
        message=_("Участие зарегистрировано."),
        template="frontend/site/event.html",
        context=_event_context(request, event, access, form=form),
        invalid_status=400,
    )


@cluster_page(READERS)
@require_POST
def event_withdraw(request: ClusterHttpRequest, pk: int, company_id: int) -> HttpResponseBase:
    event = or_404(event_get(event_id=pk, public_only=False))
    return action(
        request,
        lambda: events.participation_withdraw(
            event=event, company_id=company_id, actor=Actor.from_request(request)
        ),
        success=reverse("site:event", kwargs={"pk": event.pk}),
        message=_("Участие снято."),
    )


# --- members directory and products ---------------------------------------------------------


# Sorts of the public member directory (?sort=key / -key; cards, so links instead of headers);
# the old name, -name and kind keep working.
DIRECTORY_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("short_name", "id"),
    "kind": ("kind", "short_name", "id"),
}


@cluster_page(PUBLIC)
def directory(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=DIRECTORY_SORTS,
        default="name",
        filters=(
            search(_("Наименование организации")),
            Filter("kind", _("Тип"), choices=Company.Kind.choices, placeholder=_("Все типы")),
        ),
        page_size=24,
    )
    page = listing.page(directory_companies(query=listing.values["q"], kind=listing.values["kind"]))
    return render(
        request,
        "frontend/site/directory.html",
        {
            "page": page,
            "cards": [public_company(c) for c in page],
            "listing": listing,
            "sorting": listing.sorting,
        },
    )


@cluster_page(PUBLIC)
def company_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    company = or_404(directory_company_with_products(company_id=pk))
    return render(
        request,
        "frontend/site/company.html",
        {
            "card": public_company(company),
            "products": company.public_products,  # type: ignore[attr-defined]
        },
    )


# Sortable columns of the public product catalogue (?sort=key / -key); the old name, -name and
# company keep working.
CATALOGUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "kind": ("kind", "name", "id"),
    "company": ("company__short_name", "name", "id"),
    "registration": ("registration_number", "name", "id"),
    "innovative": ("-in_innovation_registry", "name", "id"),
}


@cluster_page(PUBLIC)
def products(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=CATALOGUE_COLUMNS,
        default="name",
        filters=(
            search(_("Наименование, описание, номер удостоверения")),
            Filter("kind", _("Вид"), choices=Product.Kind.choices, placeholder=_("Все виды")),
            Filter(
                "innovative",
                _("Реестр инновационной продукции"),
                choices=[("1", _("Только из реестра инновационной продукции"))],
                placeholder=_("Вся продукция"),
            ),
        ),
    )
    values = listing.values
    qs = catalogue_products(
        query=values["q"], kind=values["kind"], innovative=True if values["innovative"] == "1" else None
    )
    return render(
        request,
        "frontend/site/products.html",
        {"page": listing.page(qs), "listing": listing, "sorting": listing.sorting},
    )


# --- public content -----------------------------------------------------------------------


def _is_manager(request: ClusterHttpRequest) -> bool:
    return _access(request).manages


@cluster_page(PUBLIC)
def news_public(request: ClusterHttpRequest) -> HttpResponse:
    query = _q(request)
    return render(
        request,
        "frontend/site/news.html",
        {"page": _page(request, news_list(published_only=True, query=query)), "q": query},
    )


@cluster_page(PUBLIC)
def news_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    item = or_404(news_get(news_id=pk, published_only=not _is_manager(request)))
    return render(request, "frontend/site/news_item.html", {"item": item})


@cluster_page(PUBLIC)
def articles_public(request: ClusterHttpRequest) -> HttpResponse:
    query = _q(request)
    return render(
        request,
        "frontend/site/articles.html",
        {"page": _page(request, article_list(published_only=True, query=query)), "q": query},
    )


@cluster_page(PUBLIC)
def article_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    item = or_404(article_get(article_id=pk, published_only=not _is_manager(request)))
    return render(request, "frontend/site/article.html", {"item": item})


@cluster_page(PUBLIC)
def jobs_public(request: ClusterHttpRequest) -> HttpResponse:
    query = _q(request)
    qs = job_list(published_only=True, query=query, today=cluster_today(request.cluster))
    return render(request, "frontend/site/jobs.html", {"page": _page(request, qs), "q": query})


@cluster_page(PUBLIC)
def job_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    item = or_404(job_get(job_id=pk, published_only=not _is_manager(request)))
    return render(request, "frontend/site/job.html", {"item": item})


@cluster_page(PUBLIC)
def documents_public(request: ClusterHttpRequest) -> HttpResponse:
    query = _q(request)
    return render(
        request,
        "frontend/site/documents.html",
        {"page": _page(request, document_list(published_only=True, query=query)), "q": query},
    )


@cluster_page(PUBLIC)
def document_download(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """Streams a published document to anyone (drafts to managers) from this cluster's folder."""
    document = or_404(document_get(document_id=pk, published_only=not _is_manager(request)))
    stream = or_404(document_file(document=document))
    return FileResponse(
        stream,
        as_attachment=True,
        filename=document.original_name or (document.file.name or "").rsplit("/", 1)[-1],
    )


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
            kwargs["initial"] = {
                **{f: getattr(obj, f) for f in self.initial_fields},
                "publish": getattr(obj, "is_published", False),
            }
        return self.form_class(*args, **kwargs)


# Sortable columns of the content management lists: newest first, drafts (no date yet) on top.
CONTENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "id"),
    "published": ("published_at", "id"),
}

CONTENT_KINDS = {
    "news": ContentKind(
        key="news",
        title=gettext_lazy("Новости"),
        new_title=gettext_lazy("Новая новость"),
        form_class=NewsForm,
        rows=lambda q: news_list(published_only=False, query=q),
        get=lambda pk: news_get(news_id=pk, published_only=False),
        create=lambda actor, **f: content.news_create(actor=actor, **f),
        update=lambda obj, actor, **f: content.news_update(news=obj, actor=actor, **f),
        delete=lambda obj, actor: content.news_delete(news=obj, actor=actor),
        public_url="site:news_detail",
        initial_fields=("title", "body"),
    ),
    "articles": ContentKind(
        key="articles",
        title=gettext_lazy("Статьи"),
        new_title=gettext_lazy("Новая статья"),
        form_class=ArticleForm,
        rows=lambda q: article_list(published_only=False, query=q),
        get=lambda pk: article_get(article_id=pk, published_only=False),
        create=lambda actor, **f: content.article_create(actor=actor, **f),
        update=lambda obj, actor, **f: content.article_update(article=obj, actor=actor, **f),
        delete=lambda obj, actor: content.article_delete(article=obj, actor=actor),
        public_url="site:article",
        initial_fields=("title", "lead", "body", "author"),
    ),
    "jobs": ContentKind(
        key="jobs",
        title=gettext_lazy("Вакансии"),
        new_title=gettext_lazy("Новая вакансия"),
        form_class=JobForm,
        rows=lambda q: job_list(published_only=False, query=q),
        get=lambda pk: job_get(job_id=pk, published_only=False),
        create=lambda actor, **f: content.job_create(actor=actor, **f),
        update=lambda obj, actor, **f: content.job_update(job=obj, actor=actor, **f),
        delete=lambda obj, actor: content.job_delete(job=obj, actor=actor),
        public_url="site:job",
        initial_fields=("title", "company", "description", "location", "salary", "expires_on"),
    ),
    "documents": ContentKind(
        key="documents",
        title=gettext_lazy("Документы"),
        new_title=gettext_lazy("Новый документ"),
        form_class=DocumentForm,
        rows=lambda q: document_list(published_only=False, query=q),
        get=lambda pk: document_get(document_id=pk, published_only=False),
        create=lambda actor, **f: content.document_upload(actor=actor, **f),
        update=lambda obj, actor, **f: content.document_update(document=obj, actor=actor, **f),
        delete=lambda obj, actor: content.document_delete(document=obj, actor=actor),
        public_url="site:document_download",
        initial_fields=("title", "description"),
    ),
}


def _kind(key: str) -> ContentKind:
    return CONTENT_KINDS[key]


@cluster_page(MANAGERS)
def manage_list(request: ClusterHttpRequest, kind: str) -> HttpResponse:
    spec = _kind(kind)
    listing = list_controls(
        request,
        columns=CONTENT_COLUMNS,
        default="-published",
        filters=(
            search(_("Название или текст")),
            Filter(
                "state",
                _("Публикация"),
                choices=[("published", _("Опубликовано")), ("draft", _("Черновики"))],
                placeholder=_("Все"),
            ),
        ),
        page_size=PAGE_SIZE,
    )
    rows = spec.rows(listing.values["q"])
    if listing.values["state"] in {"published", "draft"}:
        rows = rows.filter(is_published=listing.values["state"] == "published")
    return render(
        request,
        "frontend/site/manage_list.html",
        {
            "spec": spec,
            "page": listing.page(rows),
            "listing": listing,
            "sorting": listing.sorting,
            "new_url": reverse(f"site:manage_{kind}_create"),
            "edit_url": f"site:manage_{kind}_edit",
            "delete_url": f"site:manage_{kind}_delete",
            "kinds": CONTENT_KINDS.values(),
        },
    )


@cluster_page(MANAGERS)
@require_http_methods(["GET", "POST"])
def manage_create(request: ClusterHttpRequest, kind: str) -> HttpResponseBase:
    spec, back = _kind(kind), reverse(f"site:manage_{kind}")
    return form_page(
        request,
        form=spec.form(request.POST or None, request.FILES or None),
        save=lambda data: spec.create(Actor.from_request(request), **data),
        success=back,
        message=lambda obj: _("«%(title)s» сохранено.") % {"title": str(obj)},
        title=spec.new_title,
        submit=_("Добавить"),
        cancel=back,
        context={"subnav": SUBNAV},
    )


def _changed_fields(data: dict[str, Any]) -> dict[str, Any]:
    """An empty file field on an edit form keeps the stored file."""
    return {k: v for k, v in data.items() if not (k == "file" and not v)}


@cluster_page(MANAGERS)
@require_http_methods(["GET", "POST"])
def manage_edit(request: ClusterHttpRequest, kind: str, pk: int) -> HttpResponseBase:
    spec, back = _kind(kind), reverse(f"site:manage_{kind}")
    obj = or_404(spec.get(pk))
    return form_page(
        request,
        form=spec.form(request.POST or None, request.FILES or None, obj=obj),
        save=lambda data: spec.update(obj, Actor.from_request(request), **_changed_fields(data)),
        success=back,
        message=_("Изменения сохранены."),
        title=str(obj),
        cancel=back,
        context={"subnav": SUBNAV},
    )


@cluster_page(MANAGERS)
@require_POST
def manage_delete(request: ClusterHttpRequest, kind: str, pk: int) -> HttpResponseBase:
    spec = _kind(kind)
    obj = or_404(spec.get(pk))
    return action(
        request,
        lambda: spec.delete(obj, Actor.from_request(request)),
        success=reverse(f"site:manage_{kind}"),
        message=_("«%(title)s» удалено.") % {"title": str(obj)},
    )
