"""Reads of the members area (inside the current cluster schema).

What a user may see is decided once per request by `member_access`: cluster admins and staff
see every company; a member representative sees only the company it speaks for.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from core.accounts.access import MemberAccess
from core.accounts.models import Grant
from tenants.governance.models import Decision
from tenants.models import Cluster

from .models import Company, CooperationContract, ImportJob, Invitation, KpiReport, MembershipEvent, Product

COMPANY_ORDERINGS: dict[str, tuple[str, ...]] = {
    "name": ("short_name", "id"),
    "-name": ("-short_name", "-id"),
    "inn": ("inn", "id"),
    "status": ("status", "short_name", "id"),
    "changed": ("-status_changed_at", "short_name", "id"),
    "created": ("-created_at", "-id"),
}


# --- companies ----------------------------------------------------------------------------


def company_list(*, access: MemberAccess) -> QuerySet[Company]:
    return Company.objects.filter(access.company_q()).annotate(product_count=Count("products"))


def company_search(
    qs: QuerySet[Company],
    *,
    query: str = "",
    status: str = "",
    kind: str = "",
    region: str = "",
    sez: str = "",
    ordering: str = "",
) -> QuerySet[Company]:
    """Filters of the members list and its export: name or INN/OGRN, status, kind, region, SEZ."""
    query = query.strip()
    if query:
        digits = query.replace(" ", "")
        condition = Q(short_name__icontains=query) | Q(full_name__icontains=query)
        if digits.isdigit():
            condition |= Q(inn__startswith=digits) | Q(ogrn__startswith=digits)
        qs = qs.filter(condition)
    if status in Company.Status.values:
        qs = qs.filter(status=status)
    if kind in Company.Kind.values:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region_code=region)
    if sez in {"yes", "no"}:
        qs = qs.filter(is_sez_resident=(sez == "yes"))
    return qs.order_by(*COMPANY_ORDERINGS.get(ordering, COMPANY_ORDERINGS["name"]))


def company_get(*, company_id: int, access: MemberAccess) -> Company | None:
    """The company, or None when it is missing or not the user's to see (same answer)."""
    if not access.can_see(company_id):
        return None
    return Company.objects.filter(pk=company_id).first()


def company_by_inn(*, inn: str, exclude_id: int | None = None) -> Company | None:
    qs = Company.objects.filter(inn=inn)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.first()


def company_history(*, company: Company) -> QuerySet[MembershipEvent]:
    return (
        MembershipEvent.objects.filter(company=company)
        .select_related("actor", "decision__meeting__body")
        .order_by("at", "id")
    )


def status_since(*, company: Company, history: list[MembershipEvent]) -> dt.datetime | None:
    """Since when the company holds its status: the history's last step into it (a status set
    by a backdated import or replayed history), else the company's own mark."""
    for event in reversed(history):
        if event.to_status == company.status:
            return event.at
    return company.status_changed_at


def company_has_admission(*, company: Company) -> bool:
    """An adopted general-meeting decision admitting this company exists."""
    return Decision.objects.filter(
        kind=Decision.Kind.ADMIT_MEMBER, adopted=True, subject_company=company
    ).exists()


def admission_decisions_pending(*, company: Company) -> QuerySet[Decision]:
    """Adopted admission decisions about the company not yet applied to it."""
    applied = MembershipEvent.objects.filter(company=company, decision__isnull=False).values("decision_id")
    return (
        Decision.objects.filter(kind=Decision.Kind.ADMIT_MEMBER, adopted=True, subject_company=company)
        .exclude(pk__in=applied)
        .select_related("meeting__body")
    )


def company_representatives(*, company: Company, cluster: Cluster) -> QuerySet[Grant]:
    return (
        Grant.objects.filter(cluster=cluster, role=Grant.Role.MEMBER_REPRESENTATIVE, company_id=company.pk)
        .select_related("user")
        .order_by("user__email")
    )


def representative_grant(*, company: Company, cluster: Cluster, user_id: int) -> Grant | None:
    return company_representatives(company=company, cluster=cluster).filter(user_id=user_id).first()


def company_invitations_pending(*, company: Company, now: dt.datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        company=company, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).select_related("invited_by")


def invitation_by_token(*, token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("company").filter(token=token).first()


def invitation_get(*, company: Company, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(company=company, pk=invitation_id).first()


# --- products -----------------------------------------------------------------------------

PRODUCT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "company": ("company__short_name", "name", "id"),
    "created": ("-created_at", "-id"),
}


def product_list(*, access: MemberAccess) -> QuerySet[Product]:
    return Product.objects.filter(access.company_q("company")).select_related("company")


def product_search(
    qs: QuerySet[Product], *, query: str = "", kind: str = "", innovative: str = "", ordering: str = ""
) -> QuerySet[Product]:
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(registration_number__icontains=query)
            | Q(company__short_name__icontains=query)
        )
    if kind in Product.Kind.values:
        qs = qs.filter(kind=kind)
    if innovative in {"yes", "no"}:
        qs = qs.filter(in_innovation_registry=(innovative == "yes"))
    return qs.order_by(*PRODUCT_ORDERINGS.get(ordering, PRODUCT_ORDERINGS["name"]))


def product_get(*, product_id: int, access: MemberAccess) -> Product | None:
    return product_list(access=access).filter(pk=product_id).first()


# --- KPIs ---------------------------------------------------------------------------------


def kpi_list(*, access: MemberAccess) -> QuerySet[KpiReport]:
    return KpiReport.objects.filter(access.company_q("company")).select_related("company")


def kpi_get(*, report_id: int, access: MemberAccess) -> KpiReport | None:
    return kpi_list(access=access).filter(pk=report_id).first()


def kpi_years(*, access: MemberAccess) -> list[int]:
    return sorted(set(kpi_list(access=access).values_list("year", flat=True)), reverse=True)


# --- contracts ----------------------------------------------------------------------------


def contract_list(*, access: MemberAccess) -> QuerySet[CooperationContract]:
    qs = CooperationContract.objects.select_related("party_a", "party_b")
    if not access.manager:
        ids = sorted(access.company_ids)
        qs = qs.filter(Q(party_a_id__in=ids) | Q(party_b_id__in=ids))
    return qs


def contract_get(*, contract_id: int, access: MemberAccess) -> CooperationContract | None:
    return contract_list(access=access).filter(pk=contract_id).first()


def company_contracts(*, company: Company) -> QuerySet[CooperationContract]:
    """The contracts the company is a party of, newest signed first."""
    return (
        CooperationContract.objects.select_related("party_a", "party_b")
        .filter(Q(party_a_id=company.pk) | Q(party_b_id=company.pk))
        .order_by("-signed_on", "-id")
    )


# --- imports ------------------------------------------------------------------------------


def import_job_get(*, job_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(pk=job_id).first()


def import_jobs_recent(*, limit: int = 10) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")[:limit]


def existing_inns() -> dict[str, str]:
    """INN → short name of every company of the cluster (one query, for the importer)."""
    return dict(Company.objects.exclude(inn="").values_list("inn", "short_name"))
