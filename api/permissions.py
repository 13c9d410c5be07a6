"""Authorization, checked per cluster on every API call (token auth runs after middleware)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from core.accounts.access import MANAGER_ROLES
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin, user_ministry_scope

ANY_CLUSTER_ROLE = frozenset(Grant.CLUSTER_ROLES)
CLUSTER_MANAGERS = MANAGER_ROLES


class OnClusterHost(BasePermission):
    message = "Этот адрес работает только на сайте кластера."

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request, "cluster", None) is not None


class ClusterIsOpen(BasePermission):
    """The public API of a cluster «в подготовке» answers 404 until its admin activates it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        cluster = getattr(request, "cluster", None)
        if cluster is not None and cluster.status == cluster.Status.PREPARING:
            raise NotFound("Кластер ещё в подготовке: его сайт откроется после активации.")
        return True


class OnPublicHost(BasePermission):
    message = "Этот адрес работает только на сайте платформы."

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request, "cluster", None) is None


class HasClusterRole(BasePermission):
    """The user holds, in this request's cluster, one of the view's roles.

    Views declare `read_roles` (GET/HEAD/OPTIONS) and `write_roles` (the rest).
    """

    message = "У вас нет прав на это действие в этом кластере."

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = view.read_roles if request.method in SAFE_METHODS else view.write_roles
        return bool(user_cluster_roles(request.user, getattr(request, "cluster", None)) & set(roles))


class IsMinistryOrPlatformAdmin(BasePermission):
    message = "Раздел доступен сотрудникам министерства и администраторам платформы."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_ministry_scope(request.user) is not None


class IsPlatformAdmin(BasePermission):
    message = "Раздел доступен только администраторам платформы."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_is_platform_admin(request.user)
