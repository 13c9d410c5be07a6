"""Governance bodies and officers: a list with the form that adds one under it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.clock import cluster_today
from frontend.governance.forms import BodyForm, OfficerForm
from tenants.governance import services
from tenants.governance.selectors import body_get, body_list, officer_get, officer_list, officers_current
from tenants.http import ClusterHttpRequest

from .records import Record, create_page, is_manager, readers

BODIES = Record(
    form_class=BodyForm,
    get=lambda pk: body_get(body_id=pk),
    keyword="body",
    create=services.body_create,
    update=services.body_update,
    delete=services.body_delete,
    name=lambda body: body.name,
    edit_title=gettext_lazy("Орган управления: %(name)s"),
    created=gettext_lazy("Орган управления «%(name)s» добавлен."),
    deleted=gettext_lazy("Орган управления «%(name)s» удалён."),
    list_url="governance:bodies",
)
OFFICERS = Record(
    form_class=OfficerForm,
    get=lambda pk: officer_get(officer_id=pk),
    keyword="officer",
    create=services.officer_create,
    update=services.officer_update,
    delete=services.officer_delete,
    name=lambda officer: officer.person_name,
    edit_title=gettext_lazy("Должностное лицо: %(name)s"),
    created=gettext_lazy("Должностное лицо «%(name)s» добавлено."),
    deleted=gettext_lazy("Должностное лицо «%(name)s» удалено."),
    list_url="governance:officers",
)


def _list_with_form(
    request: ClusterHttpRequest, record: Record, template: str, context: dict[str, object]
) -> HttpResponseBase:
    """The section's list; managers get the form that adds a record under it. Its POST is a
    managers' page, as cluster_page(MANAGERS) makes the others (before the form is read)."""
    manager = is_manager(request)
    if request.method == "POST" and not manager:
        raise PermissionDenied(_("Изменять данные могут только администраторы и сотрудники кластера."))
    form = record.new_form(request.POST or None)
    return create_page(
        request,
        record,
        form=form,
        template=template,
        context={**context, "form": form if manager else None, "manager": manager},
    )


@readers
@require_http_methods(["GET", "POST"])
def bodies(request: ClusterHttpRequest) -> HttpResponseBase:
    return _list_with_form(request, BODIES, "frontend/governance/bodies.html", {"bodies": body_list()})


@readers
@require_http_methods(["GET", "POST"])
def officers(request: ClusterHttpRequest) -> HttpResponseBase:
    show_all = request.GET.get("all") == "1"
    today = cluster_today(request.cluster)
    return _list_with_form(
        request,
        OFFICERS,
        "frontend/governance/officers.html",
        {
            "officers": officer_list() if show_all else officers_current(today=today),
            "show_all": show_all,
            "today": today,
        },
    )
