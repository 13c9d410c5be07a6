"""Reads of joint projects, scoped by who asks: managers see every project, a member
representative only the projects its company takes part in (missing and not-yours: None)."""

from __future__ import annotations

from django.core.files import File
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from core.accounts.access import MemberAccess
from tenants.governance.models import Decision
from tenants.members.models import Company, CooperationContract, Product
from tenants.roadmap.models import Item, Roadmap

from .models import (
    JointProject,
    ProjectBudget,
    ProjectDocument,
    ProjectIndicator,
    ProjectParticipant,
    SupportApplication,
    SupportTranche,
)

ORDERINGS = {
    "title": "title",
    "-title": "-title",
    "start": "period_start",
    "-start": "-period_start",
    "status": "status",
    "-status": "-status",
    "kind": "kind",
    "-kind": "-kind",
}


def _visible(access: MemberAccess) -> Q:
    if access.manager:
        return Q()
    return Q(participants__company_id__in=sorted(access.company_ids))


def project_list(*, access: MemberAccess) -> QuerySet[JointProject]:
    ids = JointProject.objects.filter(_visible(access)).values("pk")
    lead = ProjectParticipant.objects.filter(role=ProjectParticipant.Role.LEAD).select_related("company")
    return (
        JointProject.objects.filter(pk__in=ids)
        .annotate(participant_count=Count("participants", distinct=True))
        .prefetch_related(Prefetch("participants", queryset=lead, to_attr="leads"))
    )


def project_search(
    qs: QuerySet[JointProject], *, query: str = "", status: str = "", kind: str = "", ordering: str = ""
) -> QuerySet[JointProject]:
    query = query.strip()
    if query:
        matching = ProjectParticipant.objects.filter(company__short_name__icontains=query).values(
            "project_id"
        )
        qs = qs.filter(Q(title__icontains=query) | Q(description__icontains=query) | Q(pk__in=matching))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by(ORDERINGS.get(ordering, "-period_start"), "id")


def project_get(*, project_id: int, access: MemberAccess) -> JointProject | None:
    return project_list(access=access).filter(pk=project_id).first()


def project_participants(*, project: JointProject) -> QuerySet[ProjectParticipant]:
    return project.participants.select_related("company").order_by("role", "company__short_name", "id")


def project_lead_company_id(*, project: JointProject) -> int | None:
    return (
        project.participants.filter(role=ProjectParticipant.Role.LEAD)
        .values_list("company_id", flat=True)
        .first()
    )


def project_budget(*, project: JointProject) -> QuerySet[ProjectBudget]:
    return project.budget.order_by("year", "source", "id")


def project_indicators(*, project: JointProject) -> QuerySet[ProjectIndicator]:
    return project.indicators.order_by("year", "kind", "name", "id")


def indicator_get(*, project: JointProject, indicator_id: int) -> ProjectIndicator | None:
    return project.indicators.filter(pk=indicator_id).first()


def project_documents(*, project: JointProject) -> QuerySet[ProjectDocument]:
    return project.documents.order_by("-uploaded_at", "-id")


def document_get(*, project: JointProject, document_id: int) -> ProjectDocument | None:
    return project.documents.filter(pk=document_id).first()


def document_file(*, document: ProjectDocument) -> File | None:
    """The stored file, opened for streaming, if it lies in the current cluster's folder."""
    name = document.file.name or ""
    if not name.startswith(f"clusters/{getattr(connection, 'schema_name', 'public')}/"):
        return None
    try:
        return document.file.storage.open(name, "rb")
    except FileNotFoundError:
        return None


def budget_row_get(*, project: JointProject, year: int, source: str) -> ProjectBudget | None:
    return project.budget.filter(year=year, source=source).first()


def support_of_project(*, project: JointProject, application_id: int) -> SupportApplication | None:
    return project.support_applications.filter(pk=application_id).first()


def tranche_get(*, application: SupportApplication, tranche_id: int) -> SupportTranche | None:
    return application.tranches.filter(pk=tranche_id).first()


# --- what the forms offer ---------------------------------------------------------------------

MEMBER_STATUSES = (Company.Status.ADMITTED, Company.Status.ACTIVE, Company.Status.SUSPENDED)


def participant_candidates(*, project: JointProject | None = None) -> QuerySet[Company]:
    """Member companies (and the project's current participants, whatever their status now)."""
    wanted = Q(status__in=MEMBER_STATUSES)
    if project is not None:
        wanted |= Q(project_participations__project=project)
    return Company.objects.filter(wanted).distinct().order_by("short_name", "id")


def project_companies(*, project: JointProject) -> QuerySet[Company]:
    """The companies taking part in the project (who may apply for support under it)."""
    return Company.objects.filter(project_participations__project=project).order_by("short_name", "id")


def product_candidates() -> QuerySet[Product]:
    return Product.objects.select_related("company").order_by("company__short_name", "name", "id")


def roadmap_item_candidates(*, project: JointProject | None = None) -> QuerySet[Item]:
    """Items of the roadmaps not yet closed (and those already linked to the project)."""
    wanted = ~Q(roadmap__status=Roadmap.Status.CLOSED)
    if project is not None:
        wanted |= Q(joint_projects=project)
    return (
        Item.objects.filter(wanted)
        .distinct()
        .select_related("roadmap")
        .order_by("-roadmap__period_start", "roadmap_id", "position")
    )


def contract_candidates() -> QuerySet[CooperationContract]:
    return CooperationContract.objects.select_related("party_a", "party_b").order_by("-signed_on", "id")


def approval_decisions() -> QuerySet[Decision]:
    """Adopted decisions of the cluster's bodies a project's approval may rest on, newest first."""
    return (
        Decision.objects.filter(adopted=True)
        .select_related("meeting__body")
        .order_by("-meeting__held_at", "number", "id")
    )


def support_list(*, access: MemberAccess) -> QuerySet[SupportApplication]:
    projects = JointProject.objects.filter(_visible(access)).values("pk")
    return (
        SupportApplication.objects.filter(project__in=projects)
        .select_related("project", "company")
        .annotate(received_kopecks=Sum("tranches__amount_kopecks"))
        .prefetch_related(Prefetch("tranches", queryset=SupportTranche.objects.order_by("received_on", "id")))
    )


def support_get(*, application_id: int, access: MemberAccess) -> SupportApplication | None:
    return support_list(access=access).filter(pk=application_id).first()


def project_support(*, project: JointProject) -> QuerySet[SupportApplication]:
    return (
        project.support_applications.select_related("company")
        .annotate(received_kopecks=Sum("tranches__amount_kopecks"))
        .prefetch_related(Prefetch("tranches", queryset=SupportTranche.objects.order_by("received_on", "id")))
        .order_by("-submitted_on", "-id")
    )


def tranches_received(*, start: object, end: object) -> QuerySet[SupportTranche]:
    """Tranches received between two dates (inclusive), with their application, project and company."""
    return (
        SupportTranche.objects.filter(received_on__gte=start, received_on__lte=end)
        .select_related("application__project", "application__company")
        .order_by("received_on", "id")
    )
