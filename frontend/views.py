"""Pages. Each view parses input, checks access, calls a service or selector, renders."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.middleware import bind_session_to_host
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_clusters
from core.accounts.services import user_authenticate
from tenants.content.selectors import news_list
from tenants.events.selectors import cluster_today, event_list
from tenants.models import Cluster
from tenants.selectors import cluster_get_by_slug, cluster_list, cluster_primary_host
from tenants.services import cluster_provision, cluster_resume, cluster_suspend

from .access import (
    MANAGERS,
    cluster_role_required,
    not_found,
    platform_admin_required,
    signed_in_platform_page,
)
from .forms import ClusterCreateForm, LoginForm, apply_errors


def _cluster_url(request: HttpRequest, cluster: Cluster) -> str:
    port = request.get_port()
    suffix = f":{port}" if port not in {"80", "443"} else ""
    return f"{request.scheme}://{cluster_primary_host(cluster=cluster)}{suffix}/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        result = user_authenticate(email=form.cleaned_data["email"], password=form.cleaned_data["password"])
        cluster = getattr(request, "cluster", None)
        if result.locked:
            form.add_error(None, _("Слишком много неудачных попыток входа. Учётная запись заблокирована "
                                   "на %(minutes)s минут.") % {"minutes": settings.LOGIN_LOCKOUT_MINUTES})
        elif result.user is None:
            form.add_error(None, _("Неверный e-mail или пароль."))
        elif cluster is not None and not user_cluster_roles(result.user, cluster):
            form.add_error(None, _("У этой учётной записи нет доступа к кластеру «%(name)s».")
                           % {"name": cluster.display_name})
        else:
            login(request, result.user, backend="core.accounts.backends.EmailLockoutBackend")
            bind_session_to_host(request)
            if (not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
                    or urlsplit(next_url).path == reverse("frontend:login")):
                next_url = ""
            return redirect(next_url or "frontend:home")
    return render(request, "registration/login.html", {"form": form, "next": next_url}, status=200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("Вы вышли из системы."))
    return redirect("frontend:home")


# --- cluster host -------------------------------------------------------------------

def cluster_home(request: HttpRequest) -> HttpResponse:
    cluster = request.cluster  # type: ignore[attr-defined]
    news = list(news_list(published_only=True)[:5])
    upcoming = list(event_list(public_only=True, period="upcoming", today=cluster_today(cluster))[:5])
    return render(request, "frontend/cluster_home.html", {"cluster": cluster, "news": news, "events": upcoming})


@cluster_role_required(Grant.CLUSTER_ROLES)
def cabinet(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/cabinet.html", {"cluster": request.cluster})  # type: ignore[attr-defined]


@cluster_role_required(MANAGERS)
def news_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    qs = news_list(published_only=False)
    if query:
        qs = qs.filter(title__icontains=query)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "frontend/news_list.html", {"page": page, "q": query})


# --- public host ----------------------------------------------------------------------

def platform_home(request: HttpRequest) -> HttpResponse:
    clusters = cluster_list().filter(status=Cluster.Status.ACTIVE).prefetch_related("domains")
    cards = [(c, _cluster_url(request, c)) for c in clusters]
    return render(request, "frontend/platform_home.html", {"cards": cards})


@signed_in_platform_page
def my_clusters(request: HttpRequest) -> HttpResponse:
    cards = [(c, _cluster_url(request, c)) for c in user_clusters(request.user)]
    return render(request, "frontend/my_clusters.html", {"cards": cards})


@platform_admin_required
@require_http_methods(["GET", "POST"])
def platform_clusters(request: HttpRequest) -> HttpResponse:
    form = ClusterCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cluster = cluster_provision(**form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Кластер «%(name)s» создан: %(url)s")
                             % {"name": cluster.display_name, "url": _cluster_url(request, cluster)})
            return redirect("frontend:platform_clusters")
    clusters = cluster_list().prefetch_related("domains")
    return render(request, "frontend/platform_clusters.html", {"form": form, "clusters": clusters})


@platform_admin_required
@require_POST
def platform_cluster_status(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = cluster_get_by_slug(slug=slug)
    if cluster is None:
        return not_found(request)
    action = request.POST.get("action")
    try:
        if action == "suspend":
            cluster_suspend(cluster=cluster)
            messages.success(request, _("Кластер «%(name)s» приостановлен.") % {"name": cluster.display_name})
        elif action == "resume":
            cluster_resume(cluster=cluster)
            messages.success(request, _("Работа кластера «%(name)s» возобновлена.") % {"name": cluster.display_name})
        else:
            messages.error(request, _("Неизвестное действие."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("frontend:platform_clusters")
