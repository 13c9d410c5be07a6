"""Pages of the platform frame: sign-in, the cluster's home and cabinet, the platform's
home and cluster management. Each view parses input, calls a service or selector, renders;
access, status pages and form handling come from frontend.access and frontend.pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.models import User
from core.accounts.ratelimit import Limit, client_address
from core.accounts.selectors import user_cluster_roles, user_clusters
from core.accounts.services import user_authenticate, user_password_reset
from core.accounts.sessions import session_record_drop
from core.audit.services import Actor
from core.clock import cluster_today
from core.selection import selectors as selection
from core.selection.models import Call
from tenants.content.selectors import news_list
from tenants.events.selectors import event_list
from tenants.http import ClusterHttpRequest, PlatformHttpRequest
from tenants.models import Cluster
from tenants.onboarding.services import cluster_create
from tenants.selectors import cluster_get_by_slug, cluster_list, cluster_primary_host
from tenants.services import cluster_check, cluster_resume, cluster_suspend

from . import home_cache
from .access import (
    MANAGERS,
    PUBLIC,
    cluster_page,
    or_404,
    platform_admin_required,
    signed_in_platform_page,
)
from .accounts.security_views import sign_in
from .forms import ClusterCreateForm, LoginForm
from .pages import action, form_page
from .site.views import manage_list
from .tables import Filter, list_controls, search


def _cluster_url(request: HttpRequest, cluster: Cluster) -> str:
    port = request.get_port()
    suffix = f":{port}" if port not in {"80", "443"} else ""
    return f"{request.scheme}://{cluster_primary_host(cluster=cluster)}{suffix}/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        cluster: Cluster | None = getattr(request, "cluster", None)
        result = user_authenticate(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            address=client_address(request),
            cluster=cluster,
        )
        if result.throttled:
            form.add_error(
                None,
                _("Слишком много неудачных попыток входа с вашего адреса. Повторите через %(minutes)s минут.")
                % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        elif result.locked:
            form.add_error(
                None,
                _("Слишком много неудачных попыток входа. Учётная запись заблокирована на %(minutes)s минут.")
                % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        elif result.no_access and cluster is not None:
            form.add_error(
                None,
                _("У этой учётной записи нет доступа к кластеру «%(name)s».")
                % {"name": cluster.display_name},
            )
        elif result.user is None:
            form.add_error(None, _("Неверный e-mail или пароль."))
        else:
            return sign_in(request, result.user, next_url)
    return render(request, "registration/login.html", {"form": form, "next": next_url}, status=200)


class PasswordResetView(auth_views.PasswordResetView):
    """The reset request, on every host; the e-mailed link always points to the platform host
    (CLUSTERHUB_PLATFORM_URL), where the only confirmation pages are. Limited per address and
    per e-mail; beyond the limits the answer is the same and no mail goes out."""

    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"
    success_url = reverse_lazy("frontend:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = client_address(self.request)
        email = form.cleaned_data["email"].strip().lower()
        by_address = Limit("reset-address", settings.PASSWORD_RESET_ADDRESS_LIMIT, 3600).hit(address)
        by_email = Limit("reset-email", settings.PASSWORD_RESET_EMAIL_LIMIT, 3600).hit(email)
        if (
            by_address <= settings.PASSWORD_RESET_ADDRESS_LIMIT
            and by_email <= settings.PASSWORD_RESET_EMAIL_LIMIT
        ):
            platform = urlsplit(settings.CLUSTERHUB_PLATFORM_URL)
            form.save(
                domain_override=platform.netloc,
                use_https=platform.scheme == "https",
                token_generator=self.token_generator,
                from_email=self.from_email,
                email_template_name=self.email_template_name,
                subject_template_name=self.subject_template_name,
                request=self.request,
                extra_email_context={
                    "reset_path": reverse("frontend:password_reset", urlconf=settings.PUBLIC_SCHEMA_URLCONF)
                },
            )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation, with the new password set by the accounts service."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        user_password_reset(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    session_record_drop(session_key=request.session.session_key)
    logout(request)
    messages.info(request, _("Вы вышли из системы."))
    return redirect("frontend:home")


# --- cluster host -------------------------------------------------------------------


HOME_TEMPLATES = ("frontend/cluster_home.html", "frontend/base.html")


@cluster_page(PUBLIC)
def cluster_home(request: ClusterHttpRequest) -> HttpResponse:
    """The cluster's home; anonymous visitors get the cached copy (frontend.home_cache)."""
    today = cluster_today(request.cluster)
    if not home_cache.cacheable(request):
        return _cluster_home(request, today)
    return home_cache.anonymous_page(
        request,
        cluster=request.cluster,
        today=today,
        templates=HOME_TEMPLATES,
        render=lambda csrf_token: _cluster_home(request, today, csrf_token=csrf_token),
    )


def _cluster_home(request: ClusterHttpRequest, today: dt.date, **extra: str) -> HttpResponse:
    news = list(news_list(published_only=True)[:5])
    upcoming = list(event_list(public_only=True, period="upcoming", today=today)[:5])
    calls = selection.calls_for_cluster(cluster=request.cluster)
    return render(
        request,
        HOME_TEMPLATES[0],
        {
            "cluster": request.cluster,
            "news": news,
            "events": upcoming,
            "open_calls": [c for c in calls if c.status == Call.Status.OPEN],
            "published_calls": [c for c in calls if c.status == Call.Status.PUBLISHED][:3],
            "may_apply": bool(user_cluster_roles(request.user, request.cluster) & MANAGERS),
            **extra,
        },
    )


@cluster_page(MANAGERS)
def news_page(request: ClusterHttpRequest) -> HttpResponseBase:
    """The cluster's news for managers: the site's news management list (one list, one pattern)."""
    return manage_list(request, "news")


# --- public host ----------------------------------------------------------------------


def platform_home(request: HttpRequest) -> HttpResponse:
    clusters = cluster_list().filter(status=Cluster.Status.ACTIVE).prefetch_related("domains")
    cards = [(c, _cluster_url(request, c)) for c in clusters]
    calls = selection.calls_public()
    return render(
        request,
        "frontend/platform_home.html",
        {
            "cards": cards,
            "open_calls": [c for c in calls if c.status == Call.Status.OPEN],
            "published_calls": [c for c in calls if c.status == Call.Status.PUBLISHED][:3],
            "reviews": isinstance(request.user, User)
            and selection.assignments_of_expert(user=request.user).exists(),
        },
    )


@signed_in_platform_page
def my_clusters(request: PlatformHttpRequest) -> HttpResponse:
    cards = [(c, _cluster_url(request, c)) for c in user_clusters(request.user)]
    return render(request, "frontend/my_clusters.html", {"cards": cards})


# Sortable columns of the platform's cluster list (frontend.tables): ?sort=key / -key.
CLUSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("schema_name",),
    "name": ("name", "schema_name"),
    "status": ("status", "name", "schema_name"),
    "created": ("created_at", "schema_name"),
}


@platform_admin_required
@require_http_methods(["GET", "POST"])
def platform_clusters(request: PlatformHttpRequest) -> HttpResponseBase:
    listing = list_controls(
        request,
        columns=CLUSTER_COLUMNS,
        default="name",
        filters=(
            search(_("Название или код")),
            Filter(
                "status", _("Состояние"), choices=Cluster.Status.choices, placeholder=_("Любое состояние")
            ),
        ),
    )
    clusters = cluster_list().prefetch_related("domains")
    if query := listing.values["q"]:
        clusters = clusters.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(schema_name=query)
        )
    if listing.values["status"] in Cluster.Status.values:
        clusters = clusters.filter(status=listing.values["status"])
    return form_page(
        request,
        form=ClusterCreateForm(request.POST or None),
        save=lambda data: cluster_create(
            actor=Actor.from_request(request),
            scheme=request.scheme or "https",
            port=request.get_port(),
            **data,
        ),
        # the cluster's own checks with the form's (one round); the admin's e-mail is the form's
        check=lambda data: cluster_check({k: v for k, v in data.items() if k != "admin_email"}),
        success=reverse("frontend:platform_clusters"),
        message=lambda cluster: (
            _("Кластер «%(name)s» создан (в подготовке): %(url)s. Приглашение администратору отправлено.")
            % {"name": cluster.display_name, "url": _cluster_url(request, cluster)}
        ),
        title=_("Управление кластерами"),
        submit=_("Создать кластер"),
        template="frontend/platform_clusters.html",
        context={"page": listing.page(clusters), "listing": listing, "sorting": listing.sorting},
    )


@platform_admin_required
@require_POST
def platform_cluster_status(request: PlatformHttpRequest, slug: str) -> HttpResponseBase:
    cluster = or_404(cluster_get_by_slug(slug=slug))
    back = reverse("frontend:platform_clusters")
    choice = request.POST.get("action")
    if choice == "suspend":
        return action(
            request,
            lambda: cluster_suspend(cluster=cluster),
            success=back,
            message=_("Кластер «%(name)s» приостановлен.") % {"name": cluster.display_name},
        )
    if choice == "resume":
        return action(
            request,
            lambda: cluster_resume(cluster=cluster),
            success=back,
            message=_("Работа кластера «%(name)s» возобновлена.") % {"name": cluster.display_name},
        )
    messages.error(request, _("Неизвестное действие."))
    return redirect(back)
