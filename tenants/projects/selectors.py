"""Reads of joint projects, scoped by who asks: managers see every project, a member
representative only the projects its company takes part in (missing and not-yours: None)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from core.accounts.access import MemberAccess

from .models import (
    JointProject,
    ProjectBudget,
    ProjectDocument,
    ProjectIndicator,
    ProjectParticipant,
    SupportApplication,
    SupportTranche,
)

ORDERINGS = {"title": "title", "-title": "-title", "start": "period_start", "-start": "-period_start",
             "status": "status", "-status": "-status", "kind": "kind", "-kind": "-kind"}


def _visible(access: MemberAccess) -> Q:
    if access.manager:
        return Q()
    return Q(participants__company_id__in=sorted(access.company_ids))


def project_list(*, access: MemberAccess) -> QuerySet[JointProject]:
    ids = JointProject.objects.filter(_visible(access)).values("pk")
    lead = ProjectParticipant.objects.filter(role=ProjectParticipant.Role.LEAD).select_related("company")
    return (JointProject.objects.filter(pk__in=ids)
            .annotate(participant_count=Count("participants", distinct=True))
            .prefetch_related(Prefetch("participants", queryset=lead, to_attr="leads")))


def project_search(qs: QuerySet[JointProject], *, query: str = "", status: str = "", kind: str = "",
                   ordering: str = "") -> QuerySet[JointProject]:
    query = query.strip()
    if query:
        matching = ProjectParticipant.objects.filter(company__short_name__icontains=query).values("project_id")
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
    return (project.participants.filter(role=ProjectParticipant.Role.LEAD)
            .values_list("company_id", flat=True).first())


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


def support_list(*, access: MemberAccess) -> QuerySet[SupportApplication]:
    projects = JointProject.objects.filter(_visible(access)).values("pk")
    return (SupportApplication.objects.filter(project__in=projects)
            .select_related("project", "company")
            .annotate(received_kopecks=Sum("tranches__amount_kopecks"))
            .prefetch_related(Prefetch("tranches", queryset=SupportTranche.objects.order_by("received_on", "id"))))


def support_get(*, application_id: int, access: MemberAccess) -> SupportApplication | None:
    return support_list(access=access).filter(pk=application_id).first()


def project_support(*, project: JointProject) -> QuerySet[SupportApplication]:
    return (project.support_applications.select_related("company")
            .annotate(received_kopecks=Sum("tranches__amount_kopecks"))
            .prefetch_related(Prefetch("tranches", queryset=SupportTranche.objects.order_by("received_on", "id")))
            .order_by("-submitted_on", "-id"))


def tranches_received(*, start: object, end: object) -> QuerySet[SupportTranche]:
    """Tranches received between two dates (inclusive), with their application, project and company."""
    return (SupportTranche.objects.filter(received_on__gte=start, received_on__lte=end)
            .select_related("application__project", "application__company").order_by("received_on", "id"))
