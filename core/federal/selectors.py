"""Reads of federal reporting. Public-schema rows are always filtered by their cluster."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from tenants.models import Cluster

from .models import AnnualReport, Indicator, RegistryCheckResult, ReportForm

# --- forms -------------------------------------------------------------------------------------


def form_published(*, year: int) -> ReportForm | None:
    """The form a cluster fills for `year` (its indicators prefetched), or None."""
    return (
        ReportForm.objects.filter(year=year, status=ReportForm.Status.PUBLISHED)
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id")))
        .first()
    )


def form_years() -> list[int]:
    """Years that have a published form, newest first."""
    return list(
        ReportForm.objects.filter(status=ReportForm.Status.PUBLISHED)
        .order_by("-year")
        .values_list("year", flat=True)
    )


def form_list(*, year: int | None = None) -> QuerySet[ReportForm]:
    qs = ReportForm.objects.all()
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-version")


def form_get(*, form_id: int) -> ReportForm | None:
    return (
        ReportForm.objects.filter(pk=form_id)
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id")))
        .first()
    )


def indicator_get(*, form: ReportForm, indicator_id: int) -> Indicator | None:
    return Indicator.objects.filter(form=form, pk=indicator_id).first()


# --- submitted reports ------------------------------------------------------------------------


def annual_report_list(*, cluster: Cluster, year: int | None = None) -> QuerySet[AnnualReport]:
    """The cluster's submitted versions, newest year and version first (snapshots not loaded)."""
    qs = AnnualReport.objects.filter(cluster=cluster).defer("values", "details", "checks")
    if year:
        qs = qs.filter(year=year)
    return qs.select_related("form").order_by("-year", "-version")


def annual_report_get(*, cluster: Cluster, report_id: int) -> AnnualReport | None:
    return (
        AnnualReport.objects.filter(cluster=cluster, pk=report_id).select_related("form", "cluster").first()
    )


def annual_report_latest(*, cluster: Cluster, year: int) -> AnnualReport | None:
    return AnnualReport.objects.filter(cluster=cluster, year=year, is_latest=True).first()


def live_checks(*, cluster: Cluster) -> QuerySet[RegistryCheckResult]:
    return RegistryCheckResult.objects.filter(cluster=cluster, report__isnull=True).order_by("code")
