"""What every projects page shares: the role decorators, the member access of the request's
user (once per request), the project the URL names (or the 404 page) and the card's URL."""

from __future__ import annotations

from django.urls import reverse

from core.accounts.access import MemberAccess, member_access
from core.audit.services import Actor
from frontend.access import MANAGERS, READERS, cluster_page, or_404
from tenants.http import ClusterHttpRequest
from tenants.projects.models import JointProject
from tenants.projects.selectors import project_get, project_lead_company_id

PAGE_SIZE = 25
FORM = "frontend/projects/form.html"

readers = cluster_page(READERS)
managers = cluster_page(MANAGERS)


def access_of(request: ClusterHttpRequest) -> MemberAccess:
    """The user's access to projects in this cluster, once per request."""
    cached: MemberAccess | None = getattr(request, "_member_access", None)
    if cached is None:
        cached = member_access(user=request.user, cluster=request.cluster)
        setattr(request, "_member_access", cached)  # noqa: B010 - a per-request cache, not a declared attribute
    return cached


def actor(request: ClusterHttpRequest) -> Actor:
    return Actor.from_request(request)


def project_or_404(request: ClusterHttpRequest, pk: int) -> JointProject:
    """The project the user may see (a representative: its company takes part), or the 404 page."""
    return or_404(project_get(project_id=pk, access=access_of(request)))


def writes_indicators(request: ClusterHttpRequest, project: JointProject) -> bool:
    """Staff, or a representative of the project's lead participant, enter the target indicators."""
    access = access_of(request)
    return access.manager or project_lead_company_id(project=project) in access.company_ids


def card_url(project_id: int, anchor: str = "") -> str:
    return reverse("projects:detail", args=[project_id]) + (f"#{anchor}" if anchor else "")
