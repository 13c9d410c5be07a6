"""Reads on accounts: what a user may do, where. One query per user per request."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from core.memo import RecentValues
from tenants.models import Cluster

from .models import ApiToken, Grant, User

# Grants by (user id, access version): migration 0005 gives a user a new version with every change
# of their grants, visible with its commit, so an entry is right for as long as its key is asked
# for. Only users loaded with their version (API token authentication) use it.
# Kept as column values: every request builds its own Grant objects from them (callers may attach
# a cluster to a grant).
_known_grants: RecentValues[tuple[tuple[object, ...], ...]] = RecentValues(size=2048, seconds=300)
_GRANT_FIELDS = [f.attname for f in Grant._meta.concrete_fields]


def forget_grants_in_this_process() -> None:
    _known_grants.clear()


def user_grants(user: User | AnonymousUser) -> list[Grant]:
    """All grants of a user, loaded once and kept on the user object for this request.

    A user loaded with its `access_version` (the token authentication reads it with the token)
    gets the grants this process last read under that version: no query. Those grants come
    without their clusters (a cluster's row may change without a grant changing);
    `user_clusters` loads them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_grants_cache", None)
    if cached is None:
        version = getattr(user, "access_version", None)
        if version is None:
            cached = list(Grant.objects.filter(user=user).select_related("cluster"))
        else:
            key = (user.pk, version)
            rows = _known_grants.get(key)
            if rows is None:
                rows = tuple(Grant.objects.filter(user_id=user.pk).values_list(*_GRANT_FIELDS))
                _known_grants.put(key, rows)
            cached = [
                Grant.from_db("default", _GRANT_FIELDS, [list(v) if type(v) is list else v for v in row])
                for row in rows
            ]
        user.__dict__["_grants_cache"] = cached
    return cached


def user_grants_with_clusters(user: User | AnonymousUser) -> list[Grant]:
    """The user's grants with their clusters' current rows (one query for the grants that came
    from the per-process copy without them)."""
    grants = user_grants(user)
    missing = [g for g in grants if g.cluster_id is not None and not Grant.cluster.is_cached(g)]
    if missing:
        clusters = Cluster.objects.in_bulk({g.cluster_id for g in missing})
        for g in missing:
            g.cluster = clusters.get(g.cluster_id)
    return grants


def user_cluster_roles(user: User | AnonymousUser, cluster: Cluster | None) -> set[str]:
    if cluster is None:
        return set()
    return {g.role for g in user_grants(user) if g.cluster_id == cluster.pk}


def user_has_cluster_role(user: User | AnonymousUser, cluster: Cluster | None, roles: set[str]) -> bool:
    return bool(user_cluster_roles(user, cluster) & roles)


def user_is_platform_admin(user: User | AnonymousUser) -> bool:
    return any(g.role == Grant.Role.PLATFORM_ADMIN for g in user_grants(user))


@dataclass(frozen=True)
class MinistryScope:
    """What part of the federal data a user may read: everything, or some regions."""

    federal: bool
    region_codes: frozenset[str]

    def allows(self, cluster: Cluster) -> bool:
        return self.federal or bool(self.region_codes & set(cluster.region_codes))


def user_ministry_scope(user: User | AnonymousUser) -> MinistryScope | None:
    """The federal-data scope of ministry users and platform admins; None for others."""
    grants = user_grants(user)
    if any(g.role in {Grant.Role.PLATFORM_ADMIN, Grant.Role.MINISTRY_FEDERAL} for g in grants):
        return MinistryScope(federal=True, region_codes=frozenset())
    regions = {code for g in grants if g.role == Grant.Role.MINISTRY_REGIONAL for code in g.region_codes}
    if regions:
        return MinistryScope(federal=False, region_codes=frozenset(regions))
    return None


def clusters_visible_to_ministry(scope: MinistryScope) -> QuerySet[Cluster]:
    # a cluster «в подготовке» reaches the ministry once its admin activates it
    qs = Cluster.objects.exclude(status=Cluster.Status.PREPARING).order_by("name")
    if not scope.federal:
        qs = qs.filter(region_codes__overlap=sorted(scope.region_codes))
    return qs


def user_clusters(user: User | AnonymousUser) -> list[Cluster]:
    """Clusters where the user holds any role, for the 'my clusters' list."""
    seen: dict[int, Cluster] = {}
    grants = user_grants_with_clusters(user)
    for g in grants:
        if g.cluster is None:
            continue
        # a cluster «в подготовке» is listed only for its admin (who prepares it)
        if g.cluster.status == Cluster.Status.PREPARING and not any(
            a.role == Grant.Role.CLUSTER_ADMIN and a.cluster_id == g.cluster.pk for a in grants
        ):
            continue
        seen.setdefault(g.cluster.pk, g.cluster)
    return sorted(seen.values(), key=lambda c: c.name)


def api_tokens_active() -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's live tokens, newest first."""
    return api_tokens_active().filter(user=user).order_by("-created_at", "-id")


def api_token_of(user: User, token_id: int) -> ApiToken | None:
    return api_tokens_of(user).filter(pk=token_id).first()


def api_tokens_of_cluster_staff(cluster: Cluster) -> QuerySet[ApiToken]:
    """Live tokens of the users holding the staff role in `cluster` (what its admins may revoke)."""
    staff = Grant.objects.filter(cluster=cluster, role=Grant.Role.CLUSTER_STAFF).values("user_id")
    return api_tokens_active().filter(user_id__in=staff).select_related("user").order_by("user__email", "-id")


def api_token_of_cluster_staff(cluster: Cluster, token_id: int) -> ApiToken | None:
    return api_tokens_of_cluster_staff(cluster).filter(pk=token_id).first()
