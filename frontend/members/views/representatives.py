"""Representatives of a company: inviting them, revoking the role or an invitation, and the
invitation link itself (open to anyone holding it)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.ratelimit import Limit
from core.audit.services import Actor
from frontend.access import PUBLIC, cluster_page, or_404, rate_limited
from frontend.invitations import invitation_page
from frontend.pages import action
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.selectors import invitation_by_token, invitation_get

from ..forms import InviteForm
from .common import company_or_404, detail_url, managers


@managers
@require_POST
def representative_invite(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    company = company_or_404(request, pk)
    back = detail_url(company.pk, "representatives")
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Введите правильный адрес электронной почты."))
        return redirect(back)
    email = form.cleaned_data["email"]
    return action(
        request,
        lambda: services.invitation_create(
            company=company,
            email=email,
            actor=Actor.from_request(request),
            base_url=request.build_absolute_uri("/"),
        ),
        success=back,
        message=_("Приглашение отправлено на %(email)s.") % {"email": email},
    )


@managers
@require_POST
def representative_revoke(request: ClusterHttpRequest, pk: int, user_id: int) -> HttpResponseBase:
    company = company_or_404(request, pk)
    return action(
        request,
        lambda: services.representative_revoke(
            company=company, user_id=user_id, actor=Actor.from_request(request)
        ),
        success=detail_url(company.pk, "representatives"),
        message=_("Права представителя отозваны."),
    )


@managers
@require_POST
def invitation_revoke(request: ClusterHttpRequest, pk: int, invitation_id: int) -> HttpResponseBase:
    company = company_or_404(request, pk)
    invitation = or_404(invitation_get(company=company, invitation_id=invitation_id))
    return action(
        request,
        lambda: services.invitation_revoke(invitation=invitation, actor=Actor.from_request(request)),
        success=detail_url(company.pk, "representatives"),
        message=_("Приглашение отозвано."),
    )


# Opening or answering invitation links, per client address (guessing links, trying passwords).
INVITATION_LIMIT = Limit("invitation-address", 30, 15 * 60)


@cluster_page(PUBLIC)
@rate_limited(INVITATION_LIMIT)
@require_http_methods(["GET", "POST"])
def invitation_accept(request: ClusterHttpRequest, token: str) -> HttpResponseBase:
    """Open to anyone holding the link: create an account or sign in, then become a representative."""
    return invitation_page(
        request,
        invitation=invitation_by_token(token=token),
        problem=lambda found: services.invitation_problem(invitation=found),
        accept=lambda found, **given: services.invitation_accept(invitation=found, **given),
        success=lambda found: reverse("members:detail", args=[found.company_id]),
        message=lambda found: _("Вы — представитель организации «%(name)s».") % {"name": found.company},
        template="frontend/members/invitation.html",
    )
