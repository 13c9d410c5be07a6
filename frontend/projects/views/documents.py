"""Documents of a project: upload (managers), download from this cluster's folder, delete."""

from __future__ import annotations

from django.http import FileResponse, HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.access import or_404
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.projects import services
from tenants.projects.selectors import document_file, document_get

from ..forms import DocumentForm
from .common import FORM, actor, card_url, managers, project_or_404, readers


@managers
@require_http_methods(["GET", "POST"])
def document_upload(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    project = project_or_404(request, pk)
    return form_page(
        request,
        template=FORM,
        form=DocumentForm(request.POST or None, request.FILES or None),
        save=lambda data: services.document_upload(project=project, actor=actor(request), **data),
        success=card_url(project.pk, "documents"),
        message=lambda document: _("Документ «%(title)s» загружен.") % {"title": document.title},
        title=_("Документ проекта «%(title)s»") % {"title": project.title},
        cancel=card_url(project.pk, "documents"),
        submit=_("Загрузить"),
    )


@readers
@require_GET
def document_download(request: ClusterHttpRequest, pk: int, document_id: int) -> HttpResponseBase:
    document = or_404(document_get(project=project_or_404(request, pk), document_id=document_id))
    stream = or_404(document_file(document=document))
    return FileResponse(
        stream,
        as_attachment=True,
        filename=document.original_name or (document.file.name or "").rsplit("/", 1)[-1],
    )


@managers
@require_POST
def document_delete(request: ClusterHttpRequest, pk: int, document_id: int) -> HttpResponseBase:
    project = project_or_404(request, pk)
    document = or_404(document_get(project=project, document_id=document_id))
    return action(
        request,
        lambda: services.document_delete(document=document, actor=actor(request)),
        success=card_url(project.pk, "documents"),
        message=_("Документ «%(title)s» удалён.") % {"title": document.title},
    )
