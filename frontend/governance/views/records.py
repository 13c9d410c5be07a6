"""The one create / edit / delete pattern of the governance pages.

A `Record` says how the pages handle one kind of record (bodies, officers, committees,
meetings): its form, selector and services, titles and messages, and where to go after. The
urls pass it to `record_create`, `record_edit` and `record_delete`, the way the site's content
management passes a `ContentKind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from frontend.access import MANAGERS, READERS, cluster_page, or_404
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest

PAGE_SIZE = 25

readers = cluster_page(READERS)
managers = cluster_page(MANAGERS)


def is_manager(request: ClusterHttpRequest) -> bool:
    return bool(user_cluster_roles(request.user, request.cluster) & MANAGERS)


@dataclass(frozen=True)
class Record:
    """How the create, edit and delete pages handle one kind of governance record."""

    form_class: type[forms.Form]
    get: Callable[[int], Any]
    keyword: str  # how the update and delete services name the record: body_update(body=…)
    create: Callable[..., Any]  # the services, called with actor= and the form's fields
    update: Callable[..., Any]
    delete: Callable[..., None]
    name: Callable[[Any], str]  # what titles and messages call the record
    edit_title: str | Promise  # with %(name)s
    created: str | Promise  # with %(name)s
    deleted: str | Promise  # with %(name)s
    list_url: str  # the section's list page
    detail_url: str = ""  # the record's own page, if it has one: saves lead there
    new_title: str | Promise = ""
    new_form_class: type[forms.Form] | None = None  # when creating asks for more than editing
    initial: dict[str, Any] = field(default_factory=dict)

    def back(self, obj: Any) -> str:
        return reverse(self.detail_url, kwargs={"pk": obj.pk}) if self.detail_url else reverse(self.list_url)

    def new_form(self, data: Any) -> forms.Form:
        return (self.new_form_class or self.form_class)(data, initial=self.initial)

    def edit_form(self, data: Any, obj: Any) -> forms.Form:
        return self.form_class(
            data, initial={name: getattr(obj, name) for name in self.form_class.base_fields}
        )

    def saved(self, obj: Any) -> str:
        return str(self.created) % {"name": self.name(obj)}


def create_page(request: ClusterHttpRequest, record: Record, **options: Any) -> HttpResponseBase:
    """The form that adds a record: on its own page, or under the section's list (`options`
    then name the list's template and context)."""
    return form_page(
        request,
        form=options.pop("form", None) or record.new_form(request.POST or None),
        save=lambda data: record.create(actor=Actor.from_request(request), **data),
        success=record.back,
        message=record.saved,
        title=record.new_title,
        cancel=reverse(record.list_url),
        **options,
    )


@managers
@require_http_methods(["GET", "POST"])
def record_create(request: ClusterHttpRequest, record: Record) -> HttpResponseBase:
    return create_page(request, record)


@managers
@require_http_methods(["GET", "POST"])
def record_edit(request: ClusterHttpRequest, pk: int, record: Record) -> HttpResponseBase:
    obj = or_404(record.get(pk))
    return form_page(
        request,
        form=record.edit_form(request.POST or None, obj),
        save=lambda data: record.update(**{record.keyword: obj}, actor=Actor.from_request(request), **data),
        success=record.back(obj),
        message=_("Изменения сохранены."),
        title=str(record.edit_title) % {"name": record.name(obj)},
        cancel=reverse(record.list_url),
    )


@managers
@require_POST
def record_delete(request: ClusterHttpRequest, pk: int, record: Record) -> HttpResponseBase:
    obj = or_404(record.get(pk))
    return action(
        request,
        lambda: record.delete(**{record.keyword: obj}, actor=Actor.from_request(request)),
        success=reverse(record.list_url),
        failure=record.back(obj),
        message=str(record.deleted) % {"name": record.name(obj)},
    )
