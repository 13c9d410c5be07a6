"""What every members page shares: the role decorators, the member access of the request's
user (computed once per request) and the company the URL names (or the 404 page)."""

from __future__ import annotations

from django.urls import reverse

from core.accounts.access import MemberAccess, member_access
from frontend.access import MANAGERS, READERS, cluster_page, or_404
from tenants.http import ClusterHttpRequest
from tenants.members.models import Company
from tenants.members.selectors import company_get

PAGE_SIZE = 25

readers = cluster_page(READERS)
managers = cluster_page(MANAGERS)


def access_of(request: ClusterHttpRequest) -> MemberAccess:
    """The user's access to members' data in this cluster, once per request."""
    cached: MemberAccess | None = getattr(request, "_member_access", None)
    if cached is None:
        cached = member_access(user=request.user, cluster=request.cluster)
        setattr(request, "_member_access", cached)  # noqa: B010 - a per-request cache, not a declared attribute
    return cached


def company_or_404(request: ClusterHttpRequest, pk: int) -> Company:
    """The company the user may see, or the 404 page (missing and not-yours look the same)."""
    return or_404(company_get(company_id=pk, access=access_of(request)))


def detail_url(company_id: int, anchor: str = "") -> str:
    return reverse("members:detail", args=[company_id]) + (f"#{anchor}" if anchor else "")
