"""Representatives of a company: inviting them, revoking the role or an invitation, and the
invitation link itself (open to anyone holding it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.middleware import bind_session_to_host
from core.accounts.models import User
from core.accounts.ratelimit import Limit, client_address
from core.accounts.services import user_authenticate
from core.audit.services import Actor
from frontend.access import PUBLIC, cluster_page, or_404, rate_limited
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.models import Invitation
from tenants.members.selectors import invitation_by_token, invitation_get

from ..forms import ConfirmForm, InviteForm, NewAccountForm, SignInForm
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


def _accept(
    request: ClusterHttpRequest,
    *,
    invitation: Invitation,
    account: User | None,
    signed_in: bool,
    data: dict[str, Any],
) -> User:
    """Check the invitee's password (unless signed in as the invitee), accept, and sign in."""
    user: User | None = None
    if account is not None:
        if signed_in:
            user = account
        else:
            result = user_authenticate(
                email=invitation.email, password=data["password"], address=client_address(request)
            )
            if result.locked or result.throttled:
                raise ValidationError(_("Слишком много неудачных попыток входа. Попробуйте позже."))
            if result.user is None:
                raise ValidationError({"password": _("Неверный пароль.")})
            user = result.user
    user = services.invitation_accept(
        invitation=invitation,
        actor=Actor.from_request(request, allow_anonymous=True),
        user=user,
        full_name=data.get("full_name", ""),
        password=data.get("password", ""),
    )
    if not signed_in:
        login(request, user, backend="core.accounts.backends.EmailLockoutBackend")
        bind_session_to_host(request)
    return user


@cluster_page(PUBLIC)
@rate_limited(INVITATION_LIMIT)
@require_http_methods(["GET", "POST"])
def invitation_accept(request: ClusterHttpRequest, token: str) -> HttpResponseBase:
    """Open to anyone holding the link: create an account or sign in, then become a representative."""
    invitation = invitation_by_token(token=token)
    if invitation is None:
        return _problem(request, _("Приглашение не найдено. Проверьте ссылку из письма."), status=404)
    problem = services.invitation_problem(invitation=invitation)
    if problem:
        return _problem(request, _(problem), status=410)
    account = User.objects.filter(email__iexact=invitation.email).first()
    signed_in = account is not None and request.user.is_authenticated and request.user.pk == account.pk
    data = request.POST if request.method == "POST" else None
    form = NewAccountForm(data) if account is None else ConfirmForm(data) if signed_in else SignInForm(data)
    return form_page(
        request,
        form=form,
        save=lambda cleaned: _accept(
            request, invitation=invitation, account=account, signed_in=signed_in, data=cleaned
        ),
        success=reverse("members:detail", args=[invitation.company_id]),
        message=_("Вы — представитель организации «%(name)s».") % {"name": invitation.company},
        template="frontend/members/invitation.html",
        context={
            "invitation": invitation,
            "account_exists": account is not None,
            "signed_in_as_invitee": signed_in,
        },
        rehearse=False,  # a rehearsal would count a sign-in failure and sign the invitee in
    )


def _problem(request: ClusterHttpRequest, problem: str, *, status: int) -> HttpResponse:
    return render(request, "frontend/members/invitation.html", {"problem": problem}, status=status)
