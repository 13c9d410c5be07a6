"""Reads of a new cluster's set-up: its admin invitation and the checklist of its steps."""

from __future__ import annotations

from dataclasses import dataclass

from billing.selectors import payee_for_cluster
from tenants.members.models import ImportJob
from tenants.models import AdminInvitation, Cluster

# Steps without which a cluster cannot be activated (the logo and the import are optional).
REQUIRED_STEPS = (Cluster.SetupStep.NAME, Cluster.SetupStep.REGIONS, Cluster.SetupStep.PAYEE)


@dataclass(frozen=True)
class SetupItem:
    code: str
    label: str
    done: bool
    required: bool
    postponed: bool = False


def admin_invitation_by_token(*, cluster: Cluster, token: str) -> AdminInvitation | None:
    """The invitation to this cluster with this token (another cluster's token finds nothing)."""
    return AdminInvitation.objects.filter(cluster=cluster, token=token).first()


def admin_invitations_pending(*, cluster: Cluster) -> list[AdminInvitation]:
    return list(
        AdminInvitation.objects.filter(cluster=cluster, accepted_at__isnull=True, revoked_at__isnull=True)
    )


def setup_checklist(*, cluster: Cluster) -> list[SetupItem]:
    """Each step of the set-up, done or not. Call inside the cluster's schema (the import)."""
    recorded = set(cluster.setup_steps)
    imported = ImportJob.objects.filter(status=ImportJob.Status.DONE).exists()
    done = {
        Cluster.SetupStep.NAME: Cluster.SetupStep.NAME in recorded,
        Cluster.SetupStep.REGIONS: Cluster.SetupStep.REGIONS in recorded,
        Cluster.SetupStep.PAYEE: payee_for_cluster(cluster) is not None,
        Cluster.SetupStep.LOGO: bool(cluster.logo),
        Cluster.SetupStep.IMPORT: imported or Cluster.SetupStep.IMPORT in recorded,
    }
    return [
        SetupItem(
            code=step.value,
            label=str(step.label),
            done=done[step],
            required=step in REQUIRED_STEPS,
            postponed=step == Cluster.SetupStep.IMPORT and not imported and step.value in recorded,
        )
        for step in Cluster.SetupStep
    ]


def setup_missing(*, cluster: Cluster) -> list[SetupItem]:
    """The required steps not done yet."""
    return [item for item in setup_checklist(cluster=cluster) if item.required and not item.done]
