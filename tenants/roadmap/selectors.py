"""Reads of the roadmap area (inside the current cluster schema)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Evidence, Executor, Item, ReportJob, Roadmap, RoadmapImport, Section

ORDERINGS = {
    "number": "position",
    "-number": "-position",
    "deadline": "deadline_end",
    "-deadline": "-deadline_end",
    "status": "status",
    "-status": "-status",
}


def roadmap_list(*, query: str = "", status: str = "") -> QuerySet[Roadmap]:
    qs = Roadmap.objects.annotate(
        item_count=Count("items", distinct=True),
        done_count=Count("items", filter=Q(items__status=Item.Status.DONE), distinct=True),
        cancelled_count=Count("items", filter=Q(items__status=Item.Status.CANCELLED), distinct=True),
    ).select_related("approved_by__meeting__body")
    if query:
        qs = qs.filter(title__icontains=query)
    if status in Roadmap.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-period_start", "-version", "-id")


def roadmap_get(*, roadmap_id: int) -> Roadmap | None:
    return (
        Roadmap.objects.select_related("approved_by__meeting__body", "previous").filter(pk=roadmap_id).first()
    )


def roadmap_versions(*, roadmap: Roadmap) -> list[Roadmap]:
    """Every version of this roadmap's line, oldest first (a handful: walked in Python)."""
    chain = [roadmap]
    seen = {roadmap.pk}
    current = roadmap
    while current.previous_id and current.previous_id not in seen:
        current = Roadmap.objects.get(pk=current.previous_id)
        chain.insert(0, current)
        seen.add(current.pk)
    current = roadmap
    while True:
        following = Roadmap.objects.filter(previous=current).order_by("version").first()
        if following is None or following.pk in seen:
            break
        chain.append(following)
        seen.add(following.pk)
        current = following
    return chain


def _executors_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "executors", queryset=Executor.objects.select_related("company", "committee").order_by("position")
    )


def roadmap_items(
    *, roadmap: Roadmap, query: str = "", status: str = "", section_id: int | None = None, ordering: str = ""
) -> QuerySet[Item]:
    qs = (
        Item.objects.filter(roadmap=roadmap)
        .select_related("section")
        .prefetch_related(_executors_prefetch())
        .annotate(evidence_count=Count("evidence"))
    )
    if query:
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(executors_text__icontains=query)
            | Q(actual_result__icontains=query)
            | Q(number__startswith=query)
        )
    if status in Item.Status.values:
        qs = qs.filter(status=status)
    if section_id:
        qs = qs.filter(section_id=section_id)
    return qs.order_by(ORDERINGS.get(ordering, "position"), "position")


def roadmap_sections(*, roadmap: Roadmap) -> list[Section]:
    return list(Section.objects.filter(roadmap=roadmap).order_by("position"))


def roadmap_table(*, roadmap: Roadmap) -> list[tuple[Section, list[Item]]]:
    """Sections with their items in order, in three queries whatever the size."""
    items = list(
        Item.objects.filter(roadmap=roadmap).prefetch_related(_executors_prefetch()).order_by("position")
    )
    by_section: dict[int, list[Item]] = {}
    for item in items:
        by_section.setdefault(item.section_id, []).append(item)
    return [(section, by_section.get(section.pk, [])) for section in roadmap_sections(roadmap=roadmap)]


def status_counts(*, roadmap: Roadmap) -> dict[str, int]:
    rows = Item.objects.filter(roadmap=roadmap).values("status").annotate(n=Count("id"))
    counts = {value: 0 for value in Item.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def item_get(*, roadmap: Roadmap, item_id: int) -> Item | None:
    return (
        Item.objects.filter(roadmap=roadmap, pk=item_id)
        .select_related("section", "roadmap")
        .prefetch_related(
            _executors_prefetch(), Prefetch("evidence", queryset=Evidence.objects.order_by("-uploaded_at"))
        )
        .first()
    )


def evidence_get(*, item: Item, evidence_id: int) -> Evidence | None:
    return Evidence.objects.filter(item=item, pk=evidence_id).first()


def import_get(*, import_id: int) -> RoadmapImport | None:
    return RoadmapImport.objects.filter(pk=import_id).select_related("replaces", "roadmap").first()


def report_jobs(*, roadmap: Roadmap, fmt: str | None = None, limit: int = 20) -> list[ReportJob]:
    """The newest report files ordered for this roadmap (of one format when given)."""
    jobs = ReportJob.objects.filter(roadmap=roadmap)
    if fmt is not None:
        jobs = jobs.filter(format=fmt)
    return list(jobs[:limit])


def report_job_get(*, roadmap_id: int, job_id: int) -> ReportJob | None:
    """A report job of this roadmap (in the current cluster's schema), or None."""
    return ReportJob.objects.select_related("roadmap").filter(roadmap_id=roadmap_id, pk=job_id).first()
