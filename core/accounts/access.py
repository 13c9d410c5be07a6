"""Who may do what in one cluster: read by pages, the API and services alike.

`member_access` answers, from the user's cached grants, whether the user manages the
cluster (admin or staff) and which member companies it speaks for. Services check an actor
with `require_manager`; the system actor (Celery, demo, webhooks) acts for the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django_tenants.utils import get_public_schema_name

from core.audit.services import Actor
from core.clock import current_cluster as schema_cluster
from tenants.models import Cluster

from .models import Grant, User
from .selectors import user_grants

MANAGER_ROLES = frozenset({Grant.Role.CLUSTER_ADMIN, Grant.Role.CLUSTER_STAFF})
MANAGERS_ONLY = "Это действие доступно только администраторам и сотрудникам кластера."


@dataclass(frozen=True)
class MemberAccess:
    """What one user may do with members' data in one cluster."""

    manager: bool
    company_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def any(self) -> bool:
        return self.manager or bool(self.company_ids)

    def can_see(self, company_id: int | None) -> bool:
        return self.manager or (company_id is not None and company_id in self.company_ids)

    def company_q(self, prefix: str = "") -> Q:
        """A filter on the companies this user may see (prefix: the path to the company)."""
        if self.manager:
            return Q()
        return Q(**{f"{prefix}pk__in" if not prefix else f"{prefix}_id__in": sorted(self.company_ids)})


def current_cluster(actor: Actor | None = None) -> Cluster | None:
    """The actor's cluster, else the one whose schema the connection uses (None on public)."""
    if actor is not None and actor.cluster is not None:
        return actor.cluster
    found = schema_cluster()
    if found is not None:
        return found
    schema = getattr(connection, "schema_name", None)
    if not schema or schema == get_public_schema_name():
        return None
    return Cluster.objects.filter(schema_name=schema).first()


def member_access(*, user: User | AnonymousUser | None, cluster: Cluster | None) -> MemberAccess:
    """One pass over the user's (cached) grants."""
    if user is None or cluster is None:
        return MemberAccess(manager=False)
    grants = [g for g in user_grants(user) if g.cluster_id == cluster.pk]
    manager = any(g.role in MANAGER_ROLES for g in grants)
    companies = frozenset(
        g.company_id for g in grants if g.role == Grant.Role.MEMBER_REPRESENTATIVE and g.company_id
    )
    return MemberAccess(manager=manager, company_ids=companies)


def actor_access(actor: Actor) -> MemberAccess:
    """Access of a service's actor. The system actor (tasks, provisioning) acts as a manager."""
    if actor.user is None:
        return MemberAccess(manager=True)
    return member_access(user=actor.user, cluster=current_cluster(actor))


def require_manager(actor: Actor, message: str = MANAGERS_ONLY) -> None:
    """A service's check that its actor manages the cluster (admin or staff; the system does)."""
    if not actor_access(actor).manager:
        raise PermissionDenied(message)
