"""The one invitation-link page: a member company's representative (frontend.members) and a new
cluster's first admin (frontend.onboarding) accept their invitations the same way.

Anyone holding the link may open it: an unknown link is 404, a used, revoked or expired one
410 with the service's words. With no account for the invited address the invitee gives a
name and a password; an account that exists is confirmed by its password (counted as a
sign-in, core.accounts.services.user_authenticate) unless its owner is the one signed in. The
service (`accept`) checks the rest (core.accounts.services.invited_account) and the invitee is
signed in on this host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.accounts.middleware import bind_session_to_host
from core.accounts.models import User
from core.accounts.ratelimit import client_address
from core.accounts.services import user_authenticate
from core.audit.services import Actor
from frontend.members.forms import ConfirmForm, NewAccountForm, SignInForm
from frontend.pages import form_page


class Invitation(Protocol):
    email: str


Inv = TypeVar("Inv", bound=Invitation)


def invitation_problem_page(request: Any, template: str, problem: str, *, status: int) -> HttpResponse:
    """The invitation page telling why the link cannot be used."""
    return render(request, template, {"problem": problem}, status=status)


def _accept(
    request: Any,
    *,
    invitation: Invitation,
    accept: Callable[..., User],
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
    user = accept(
        invitation,
        actor=Actor.from_request(request, allow_anonymous=True),
        user=user,
        full_name=data.get("full_name", ""),
        password=data.get("password", ""),
    )
    if not signed_in:
        login(request, user, backend="core.accounts.backends.EmailLockoutBackend")
        bind_session_to_host(request)
    return user


def invitation_page(
    request: Any,
    *,
    invitation: Inv | None,
    problem: Callable[[Inv], str | None],
    accept: Callable[..., User],
    success: Callable[[Inv], str],
    message: Callable[[Inv], str],
    template: str,
) -> HttpResponseBase:
    """The invitation link's page: the form the invitee needs, and on a valid POST
    `accept(invitation, actor=…, user=… or None for a new account, full_name=…, password=…)`.
    `problem(invitation)` is the service's reason it cannot be accepted (empty if none);
    `success` and `message` (of the invitation) where the invitee goes next and what they read."""
    if invitation is None:
        return invitation_problem_page(
            request, template, _("Приглашение не найдено. Проверьте ссылку из письма."), status=404
        )
    reason = problem(invitation)
    if reason:
        return invitation_problem_page(request, template, _(reason), status=410)
    account = User.objects.filter(email__iexact=invitation.email).first()
    signed_in = account is not None and request.user.is_authenticated and request.user.pk == account.pk
    data = request.POST if request.method == "POST" else None
    form = NewAccountForm(data) if account is None else ConfirmForm(data) if signed_in else SignInForm(data)
    return form_page(
        request,
        form=form,
        save=lambda cleaned: _accept(
            request, invitation=invitation, accept=accept, account=account, signed_in=signed_in, data=cleaned
        ),
        success=success(invitation),
        message=message(invitation),
        template=template,
        context={
            "invitation": invitation,
            "account_exists": account is not None,
            "signed_in_as_invitee": signed_in,
        },
        rehearse=False,  # a rehearsal would count a sign-in failure and sign the invitee in
    )
