"""Navigation by role, for every page: links grouped by area, and the breadcrumbs of the page.

`nav_groups` is a list of (group label, [(label, url), …]); the layout shows the groups as
menus (one «Меню» button on phones). `breadcrumbs` is [(label, url), …] from the host's home to
the section the current path lies in (the longest link of the navigation that prefixes it).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.accounts.access import MANAGER_ROLES
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin, user_ministry_scope

Link = tuple[str, str]
Group = tuple[str, list[Link]]


def _cluster_groups(roles: set[str]) -> list[Group]:
    managers = bool(roles & MANAGER_ROLES)
    representative = Grant.Role.MEMBER_REPRESENTATIVE in roles
    members: list[Link] = []
    governance: list[Link] = []
    roadmap: list[Link] = []
    dues: list[Link] = []
    site: list[Link] = []
    reports: list[Link] = []
    if managers:
        members.append((_("Участники"), reverse("members:list")))
        dues.append((_("Взносы"), reverse("fees:schedules")))
    elif representative:
        members.append((_("Моя организация"), reverse("members:mine")))
        dues.append((_("Мои счета"), reverse("billing:my_invoices")))
        governance.append((_("Голосование"), reverse("governance:voting")))
    if roles:
        governance.append((_("Заседания"), reverse("governance:meetings")))
        governance.append((_("Комитеты"), reverse("governance:committees")))
        roadmap.append((_("Дорожная карта"), reverse("roadmap:list")))
        roadmap.append((_("Проекты"), reverse("projects:list")))
    members.append((_("Участники кластера"), reverse("site:directory")))
    site.append((_("Мероприятия"), reverse("site:events")))
    site.append((_("Продукция"), reverse("site:products")))
    if managers:
        site.append((_("Новости"), reverse("frontend:news")))
        site.append((_("Управление сайтом"), reverse("site:manage_news")))
        reports.append((_("Годовой отчёт"), reverse("annual:index")))
        reports.append((_("Заявка на отбор"), reverse("program:index")))
    if Grant.Role.CLUSTER_ADMIN in roles:
        reports.append((_("Журнал изменений"), reverse("audit:log")))
        reports.append((_("Персональные данные"), reverse("privacy:index")))
    groups: list[Group] = [
        (_("Участники"), members),
        (_("Управление"), governance),
        (_("Дорожная карта"), roadmap),
        (_("Взносы"), dues),
        (_("Сайт"), site),
        (_("Отчёты"), reports),
    ]
    return [group for group in groups if group[1]]


def _platform_groups(request: HttpRequest) -> list[Group]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    groups: list[Group] = [(_("Мои кластеры"), [(_("Мои кластеры"), reverse("frontend:my_clusters"))])]
    if user_ministry_scope(user) is not None:
        groups.append(
            (
                _("Министерство"),
                [(_("Кластеры"), reverse("federal:overview")), (_("Отборы"), reverse("selection:calls"))],
            )
        )
    if user_is_platform_admin(user):
        groups.append(
            (
                _("Платформа"),
                [
                    (_("Управление кластерами"), reverse("frontend:platform_clusters")),
                    (_("Формы отчёта"), reverse("reportforms:list")),
                ],
            )
        )
    return groups


def breadcrumbs(path: str, home: Link, groups: list[Group]) -> list[Link]:
    """Home › group › section for a path under one of the groups' links (none on the home)."""
    if path == home[1]:
        return []
    best: tuple[str, Link] | None = None
    for group, links in groups:
        for label, url in links:
            if path.startswith(url) and (best is None or len(url) > len(best[1][1])):
                best = (group, (label, url))
    if best is None:
        return [home]
    group, link = best
    crumbs = [home]
    if group != link[0]:
        crumbs.append((group, ""))
    crumbs.append(link)
    return crumbs


def initials(full_name: str, email: str) -> str:
    """Up to two letters for the account button of the phone header («Иван Петров» → «ИП»)."""
    letters = [word[0] for word in full_name.split() if word[:1].isalpha()][:2]
    return "".join(letters).upper() or email[:1].upper()


def navigation(request: HttpRequest) -> dict[str, Any]:
    cluster = getattr(request, "cluster", None)
    user = getattr(request, "user", None)
    roles: set[str] = set()
    home: Link = (_("Главная"), reverse("frontend:home"))
    top: list[Link] = [home]
    if cluster is not None:
        roles = user_cluster_roles(user, cluster) if user is not None else set()
        if roles:
            top.append((_("Кабинет"), reverse("frontend:cabinet")))
        groups = _cluster_groups(roles)
    else:
        if user is not None and user.is_authenticated:
            top.append((_("Кабинет"), reverse("frontend:cabinet")))
        groups = _platform_groups(request)
    items = top + [link for _group, links in groups for link in links]
    role_labels = [str(label) for value, label in Grant.Role.choices if value in roles]
    return {
        "nav_top": top,
        "nav_groups": groups,
        "nav_items": items,
        "breadcrumbs": breadcrumbs(request.path, home, groups),
        "current_cluster": cluster,
        "cluster_role_labels": role_labels,
        "user_initials": initials(user.get_full_name(), user.email) if user and user.is_authenticated else "",
    }
