"""Navigation by role, for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.accounts.access import MANAGER_ROLES
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin, user_ministry_scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    cluster = getattr(request, "cluster", None)
    user = getattr(request, "user", None)
    items: list[tuple[str, str]] = []
    roles: set[str] = set()
    if cluster is not None:
        items.append((_("Главная"), reverse("frontend:home")))
        roles = user_cluster_roles(user, cluster) if user is not None else set()
        managers = bool(roles & MANAGER_ROLES)
        if roles:
            items.append((_("Кабинет"), reverse("frontend:cabinet")))
        if managers:
            items.append((_("Участники"), reverse("members:list")))
            items.append((_("Взносы"), reverse("fees:schedules")))
        elif Grant.Role.MEMBER_REPRESENTATIVE in roles:
            items.append((_("Моя организация"), reverse("members:mine")))
            items.append((_("Мои счета"), reverse("billing:my_invoices")))
            items.append((_("Голосование"), reverse("governance:voting")))
        if roles:
            items.append((_("Заседания"), reverse("governance:meetings")))
            items.append((_("Комитеты"), reverse("governance:committees")))
            items.append((_("Дорожная карта"), reverse("roadmap:list")))
            items.append((_("Проекты"), reverse("projects:list")))
        items.append((_("Мероприятия"), reverse("site:events")))
        items.append((_("Участники кластера"), reverse("site:directory")))
        items.append((_("Продукция"), reverse("site:products")))
        if managers:
            items.append((_("Сайт"), reverse("site:manage_news")))
            items.append((_("Годовой отчёт"), reverse("annual:index")))
            items.append((_("Заявка на отбор"), reverse("program:index")))
        if Grant.Role.CLUSTER_ADMIN in roles:
            items.append((_("Журнал"), reverse("audit:log")))
    else:
        items.append((_("Главная"), reverse("frontend:home")))
        if user is not None and user.is_authenticated:
            items.append((_("Кабинет"), reverse("frontend:cabinet")))
            items.append((_("Мои кластеры"), reverse("frontend:my_clusters")))
            if user_ministry_scope(user) is not None:
                items.append((_("Кластеры (министерство)"), reverse("federal:overview")))
                items.append((_("Отборы"), reverse("selection:calls")))
            if user_is_platform_admin(user):
                items.append((_("Управление кластерами"), reverse("frontend:platform_clusters")))
                items.append((_("Формы отчёта"), reverse("reportforms:list")))
    role_labels = [str(label) for value, label in Grant.Role.choices if value in roles]
    return {"nav_items": items, "current_cluster": cluster, "cluster_role_labels": role_labels}
