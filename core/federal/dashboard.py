"""Reads for the ministry dashboards (pages, exports, API). Public schema only.

Nothing here touches a cluster's schema: the figures come from the warehouse (submitted reports'
facts, ClusterSnapshot, registry-check rows). Each function runs a fixed number of queries
whatever the number of clusters; the callers pass a MinistryScope, and every query is limited
to the clusters that scope allows (a regional user: clusters with one of its regions — an
interregional cluster belongs to each of its regions).

The overview's figures (years, totals, live totals by region, check summary, projects below plan)
and each table page are cached in the "platform" cache under the warehouse's version (a sequence
every write to a warehouse table bumps: migration federal.0008), the scope and the filters: a
request after no change reads the version (one query) and the cache. A writer's change is seen
by the first request after its statement ran; a request that reads while that writer's
transaction is still open may cache the figures from before the change under the new version, so
entries also expire after CACHE_SECONDS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.cache import caches
from django.db import connection, connections
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.accounts.selectors import MinistryScope, clusters_visible_to_ministry
from core.ru.regions import REGIONS
from tenants.models import Cluster

from .models import AnnualReport, ClusterSnapshot, FederalProject, Indicator, RegistryCheckResult, ReportFact

# The indicators of the headline charts and table columns, by their code in the report form.
MEMBERS = "members_total"
REVENUE = "revenue"
EMPLOYEES = "employees"
EXPORT = "export"
DUES_RATE = "dues_collection"
ROADMAP_RATE = "roadmap_completion"
HEADLINE_CODES = (MEMBERS, REVENUE, EMPLOYEES, EXPORT, DUES_RATE, ROADMAP_RATE)
TABLE_CODES = (REVENUE, EMPLOYEES, EXPORT)
RATE_CODES = (DUES_RATE, ROADMAP_RATE)
YEARS_SHOWN = 5

CHECK_NONE = "none"  # no submitted report (or no checks) for the year
CHECK_STATUSES = (
    RegistryCheckResult.Status.PASS,
    RegistryCheckResult.Status.FAIL,
    RegistryCheckResult.Status.NO_DATA,
    CHECK_NONE,
)

_PERCENT = DecimalField(max_digits=12, decimal_places=2)

# ?sort= keys → ORDER BY of the annotated cluster table (NULLs last either way).
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "name": (F("name").asc(),),
    "-name": (F("name").desc(),),
    "region": (F("region_codes").asc(), F("name").asc()),
    "members": (F("live_members").asc(nulls_last=True), F("name").asc()),
    "-members": (F("live_members").desc(nulls_last=True), F("name").asc()),
    "revenue": (F(f"v_{REVENUE}").asc(nulls_last=True), F("name").asc()),
    "-revenue": (F(f"v_{REVENUE}").desc(nulls_last=True), F("name").asc()),
    "employees": (F(f"v_{EMPLOYEES}").asc(nulls_last=True), F("name").asc()),
    "-employees": (F(f"v_{EMPLOYEES}").desc(nulls_last=True), F("name").asc()),
    "export": (F(f"v_{EXPORT}").asc(nulls_last=True), F("name").asc()),
    "-export": (F(f"v_{EXPORT}").desc(nulls_last=True), F("name").asc()),
    "dues": (F("live_dues_rate").asc(nulls_last=True), F("name").asc()),
    "-dues": (F("live_dues_rate").desc(nulls_last=True), F("name").asc()),
    "roadmap": (F("live_roadmap_rate").asc(nulls_last=True), F("name").asc()),
    "-roadmap": (F("live_roadmap_rate").desc(nulls_last=True), F("name").asc()),
    "submitted": (F("report_submitted_at").asc(nulls_last=True), F("name").asc()),
    "-submitted": (F("report_submitted_at").desc(nulls_last=True), F("name").asc()),
    "checks": (F("check_rank").asc(), F("name").asc()),
    "projects": (F("live_projects").asc(nulls_last=True), F("name").asc()),
    "-projects": (F("live_projects").desc(nulls_last=True), F("name").asc()),
    "support": (F("live_support_received").asc(nulls_last=True), F("name").asc()),
    "-support": (F("live_support_received").desc(nulls_last=True), F("name").asc()),
    "shortfalls": (F("live_shortfalls").asc(nulls_last=True), F("name").asc()),
    "-shortfalls": (F("live_shortfalls").desc(nulls_last=True), F("name").asc()),
}
SHORTFALLS_SHOWN = 10
CACHE_SECONDS = 60
CACHE = "platform"  # not the tenant-keyed default cache: these figures belong to no cluster


@dataclass(frozen=True)
class Filters:
    """What the ministry user narrowed the table to. Unknown values are dropped, not errors."""

    region: str = ""
    kind: str = ""
    registry: str = ""
    checks: str = ""
    query: str = ""
    year: int | None = None
    sort: str = "name"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Filters:
        def get(name: str) -> str:
            return str(params.get(name) or "").strip()

        region = get("region").upper()
        year_text = get("year")
        sort = get("sort") or get("ordering") or "name"
        return cls(
            region=region if region in REGIONS else "",
            kind=get("kind") if get("kind") in Cluster.Kind.values else "",
            registry=get("registry") if get("registry") in Cluster.RegistryStatus.values else "",
            checks=get("checks") if get("checks") in CHECK_STATUSES else "",
            query=get("q")[:100],
            year=int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None,
            sort=sort if sort in ORDERINGS else "name",
        )

    def as_params(self, **changes: Any) -> dict[str, str]:
        values = {
            "region": self.region,
            "kind": self.kind,
            "registry": self.registry,
            "checks": self.checks,
            "q": self.query,
            "year": str(self.year or ""),
            "sort": self.sort,
            **changes,
        }
        return {k: str(v) for k, v in values.items() if v not in ("", None)}


# --- which clusters --------------------------------------------------------------------------


def visible_clusters(scope: MinistryScope) -> QuerySet[Cluster]:
    return clusters_visible_to_ministry(scope)


def ministry_cluster(*, scope: MinistryScope, slug: str) -> Cluster | None:
    """A cluster the scope allows, with its live snapshot; None when it does not exist or is not allowed."""
    return visible_clusters(scope).filter(schema_name=slug).select_related("federal_snapshot").first()


def filtered_clusters(scope: MinistryScope, filters: Filters) -> QuerySet[Cluster]:
    qs = visible_clusters(scope)
    if filters.region:
        qs = qs.filter(region_codes__contains=[filters.region])
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.registry:
        qs = qs.filter(registry_status=filters.registry)
    if filters.query:
        qs = qs.filter(
            Q(name__icontains=filters.query)
            | Q(short_name__icontains=filters.query)
            | Q(schema_name__icontains=filters.query.lower())
        )
    return qs


def _of_clusters(clusters: QuerySet[Cluster]) -> dict[str, Any]:
    """The filter `cluster__in=clusters`, or none when `clusters` is every cluster (a federal user without
    filters): the semi-join over 1,000 cluster ids then only costs time."""
    if not clusters.query.where and not clusters.query.is_sliced:
        return {}
    return {"cluster__in": clusters.order_by().values("pk")}


def report_years(scope: MinistryScope) -> list[int]:
    """Years with at least one submitted report among the scope's clusters, newest first (one query)."""
    clusters = visible_clusters(scope)
    return list(
        AnnualReport.objects.filter(**_of_clusters(clusters), is_latest=True)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def chosen_year(filters: Filters, years: Sequence[int]) -> int | None:
    if filters.year is not None:
        return filters.year
    return years[0] if years else None


# --- the per-cluster table -------------------------------------------------------------------


def _fact(code: str, year: int | None) -> Subquery:
    return Subquery(
        ReportFact.objects.filter(cluster=OuterRef("pk"), year=year or 0, is_latest=True, code=code).values(
            "value"
        )[:1],
        output_field=DecimalField(max_digits=24, decimal_places=4),
    )


def _checks_count(year: int | None, status: str | None = None) -> Coalesce:
    rows = RegistryCheckResult.objects.filter(
        report__cluster=OuterRef("pk"), report__year=year or 0, report__is_latest=True
    )
    if status:
        rows = rows.filter(status=status)
    counted = rows.order_by().values("report__cluster").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _rate(numerator: str, denominator: str) -> Case:
    return Case(
        When(
            **{f"{denominator}__gt": 0},
            then=ExpressionWrapper(F(numerator) * Decimal(100) / F(denominator), output_field=_PERCENT),
        ),
        default=None,
        output_field=_PERCENT,
    )


def annotate_table(qs: QuerySet[Cluster], year: int | None) -> QuerySet[Cluster]:
    """Each cluster with its live snapshot, its latest report of `year` and that report's headline facts
    and registry-check outcome. Correlated subqueries: still one SQL statement for any number of rows."""
    report = AnnualReport.objects.filter(cluster=OuterRef("pk"), year=year or 0, is_latest=True)
    qs = qs.annotate(
        live_members=F("federal_snapshot__member_count"),
        live_invoiced=F("federal_snapshot__dues_invoiced_kopecks"),
        live_paid=F("federal_snapshot__dues_paid_kopecks"),
        live_items_total=F("federal_snapshot__roadmap_items_total"),
        live_items_done=F("federal_snapshot__roadmap_items_done"),
        live_updated_at=F("federal_snapshot__updated_at"),
        live_projects=F("federal_snapshot__projects_total"),
        live_shortfalls=F("federal_snapshot__project_shortfalls"),
        live_support_granted=F("federal_snapshot__support_granted_kopecks"),
        live_support_received=F("federal_snapshot__support_received_kopecks"),
        report_id=Subquery(report.values("pk")[:1]),
        report_version=Subquery(report.values("version")[:1]),
        report_submitted_at=Subquery(report.values("submitted_at")[:1]),
        report_is_demo=Subquery(report.values("is_demo")[:1]),
        checks_total=_checks_count(year),
        checks_fail=_checks_count(year, RegistryCheckResult.Status.FAIL),
        checks_no_data=_checks_count(year, RegistryCheckResult.Status.NO_DATA),
        **{f"v_{code}": _fact(code, year) for code in (*TABLE_CODES, *RATE_CODES, MEMBERS)},
    ).annotate(
        live_dues_rate=_rate("live_paid", "live_invoiced"),
        live_roadmap_rate=_rate("live_items_done", "live_items_total"),
        check_status=Case(
            When(checks_total=0, then=Value(CHECK_NONE)),
            When(checks_fail__gt=0, then=Value(RegistryCheckResult.Status.FAIL.value)),
            When(checks_no_data__gt=0, then=Value(RegistryCheckResult.Status.NO_DATA.value)),
            default=Value(RegistryCheckResult.Status.PASS.value),
            output_field=CharField(),
        ),
        check_rank=Case(  # failing first when sorted by checks
            When(checks_total=0, then=Value(3)),
            When(checks_fail__gt=0, then=Value(0)),
            When(checks_no_data__gt=0, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    )
    return qs


def cluster_table(
    scope: MinistryScope, filters: Filters, year: int | None, annotated: QuerySet[Cluster] | None = None
) -> QuerySet[Cluster]:
    """The filtered, annotated and ordered table; `annotated` (annotate_table of the filtered clusters
    for `year`) when the caller already built it."""
    qs = annotate_table(filtered_clusters(scope, filters), year) if annotated is None else annotated
    if filters.checks:
        qs = qs.filter(check_status=filters.checks)
    return qs.order_by(*ORDERINGS[filters.sort])


# --- totals and year-over-year series --------------------------------------------------------


@dataclass(frozen=True)
class Total:
    """One indicator summed over the clusters that reported it in a year."""

    code: str
    value: Decimal | None
    clusters: int
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value_type: str = ""

    @property
    def rate(self) -> Decimal | None:
        """A percent indicator across clusters: weighted Σnumerator / Σdenominator, else the mean."""
        if self.numerator is not None and self.denominator:
            return (self.numerator * 100 / self.denominator).quantize(Decimal("0.01"))
        if self.value is not None and self.clusters:
            return (self.value / self.clusters).quantize(Decimal("0.01"))
        return None

    @property
    def figure(self) -> Decimal | None:
        return self.rate if self.value_type == "percent" else self.value


def year_totals(
    clusters: QuerySet[Cluster], *, codes: Sequence[str] = HEADLINE_CODES, years: Sequence[int] | None = None
) -> dict[int, dict[str, Total]]:
    """{year: {code: Total}} over the latest submitted version of each cluster's report (one query)."""
    rows = (
        ReportFact.objects.filter(**_of_clusters(clusters), is_latest=True, code__in=list(codes))
        .values("year", "code", "value_type")
        .order_by()
        .annotate(
            total=Sum("value"),
            reported=Count("pk", filter=Q(value__isnull=False)),
            num=Sum("numerator"),
            den=Sum("denominator"),
        )
    )
    if years is not None:
        rows = rows.filter(year__in=list(years))
    out: dict[int, dict[str, Total]] = {}
    for row in rows:
        out.setdefault(row["year"], {})[row["code"]] = Total(
            code=row["code"],
            value=row["total"],
            clusters=row["reported"],
            numerator=row["num"],
            denominator=row["den"],
            value_type=row["value_type"],
        )
    return out


@dataclass(frozen=True)
class LiveTotals:
    clusters: int = 0
    with_snapshot: int = 0
    members: int = 0
    dues_invoiced_kopecks: int = 0
    dues_paid_kopecks: int = 0
    roadmap_items_total: int = 0
    roadmap_items_done: int = 0
    updated_at: Any = None
    projects: int = 0
    projects_active: int = 0
    project_shortfalls: int = 0
    support_granted_kopecks: int = 0
    support_received_kopecks: int = 0

    @property
    def dues_rate(self) -> Decimal | None:
        if not self.dues_invoiced_kopecks:
            return None
        return (Decimal(self.dues_paid_kopecks) * 100 / Decimal(self.dues_invoiced_kopecks)).quantize(
            Decimal("0.1")
        )

    @property
    def roadmap_rate(self) -> Decimal | None:
        if not self.roadmap_items_total:
            return None
        return (Decimal(self.roadmap_items_done) * 100 / Decimal(self.roadmap_items_total)).quantize(
            Decimal("0.1")
        )


@dataclass
class RegionProjects:
    """Projects and support of the clusters of one region (an interregional cluster counts in each)."""

    region: str
    clusters: int = 0
    projects: int = 0
    shortfalls: int = 0
    support_granted_kopecks: int = 0
    support_received_kopecks: int = 0


# Each cluster row once with region NULL (the totals) and once per region code: GROUP BY region then
# gives the live totals and the per-region sums in one pass over the snapshots.
_LIVE_BY_REGION = """
SELECT r.region, COUNT(*), COUNT(c.s_id), COALESCE(SUM(c.s_members), 0), COALESCE(SUM(c.s_invoiced), 0),
       COALESCE(SUM(c.s_paid), 0), COALESCE(SUM(c.s_items), 0), COALESCE(SUM(c.s_done), 0), MAX(c.s_updated),
       COALESCE(SUM(c.s_projects), 0), COALESCE(SUM(c.s_active), 0), COALESCE(SUM(c.s_shortfalls), 0),
       COALESCE(SUM(c.s_granted), 0), COALESCE(SUM(c.s_received), 0)
FROM ({clusters}) c
CROSS JOIN LATERAL unnest(array_prepend(NULL::varchar, c.region_codes)) AS r(region)
GROUP BY r.region
"""


def live_totals_by_region(clusters: QuerySet[Cluster]) -> tuple[LiveTotals, list[RegionProjects]]:
    """Current figures summed over the clusters, and per region: projects, indicators below plan and
    support (one query on the snapshots)."""
    inner = clusters.order_by().values(
        "region_codes",
        s_id=F("federal_snapshot__id"),
        s_members=F("federal_snapshot__member_count"),
        s_invoiced=F("federal_snapshot__dues_invoiced_kopecks"),
        s_paid=F("federal_snapshot__dues_paid_kopecks"),
        s_items=F("federal_snapshot__roadmap_items_total"),
        s_done=F("federal_snapshot__roadmap_items_done"),
        s_updated=F("federal_snapshot__updated_at"),
        s_projects=F("federal_snapshot__projects_total"),
        s_active=F("federal_snapshot__projects_active"),
        s_shortfalls=F("federal_snapshot__project_shortfalls"),
        s_granted=F("federal_snapshot__support_granted_kopecks"),
        s_received=F("federal_snapshot__support_received_kopecks"),
    )
    sql, params = inner.query.sql_with_params()
    with connections[inner.db].cursor() as cursor:
        cursor.execute(_LIVE_BY_REGION.format(clusters=sql), params)
        rows = cursor.fetchall()
    live = LiveTotals()
    regions = []
    for region, n, with_snapshot, members, invoiced, paid, items, done, updated, *projects in rows:
        total, active, shortfalls, granted, received = (int(v) for v in projects)
        if region is None:
            live = LiveTotals(
                clusters=n,
                with_snapshot=with_snapshot,
                members=int(members),
                dues_invoiced_kopecks=int(invoiced),
                dues_paid_kopecks=int(paid),
                roadmap_items_total=int(items),
                roadmap_items_done=int(done),
                updated_at=updated,
                projects=total,
                projects_active=active,
                project_shortfalls=shortfalls,
                support_granted_kopecks=granted,
                support_received_kopecks=received,
            )
        else:
            regions.append(RegionProjects(region, n, total, shortfalls, granted, received))
    regions.sort(key=lambda r: (-r.support_received_kopecks, -r.projects, r.region))
    return live, regions


def shortfall_projects(
    clusters: QuerySet[Cluster], limit: int = SHORTFALLS_SHOWN
) -> QuerySet[FederalProject]:
    """The projects furthest below plan among these clusters (one query when read; the partial index
    fedproject_shortfall_order gives them in order, no sort of every project)."""
    return (
        FederalProject.objects.filter(**_of_clusters(clusters), shortfalls__gt=0)
        .select_related("cluster")
        .order_by(F("worst_shortfall_percent").desc(nulls_last=True), "title", "pk")[:limit]
    )


def cluster_projects(*, cluster: Cluster) -> list[FederalProject]:
    return list(FederalProject.objects.filter(cluster=cluster).order_by("title", "project_id"))


def scope_projects(scope: MinistryScope) -> QuerySet[FederalProject]:
    """Every project of the clusters the scope allows, for the API export."""
    return (
        FederalProject.objects.filter(cluster__in=visible_clusters(scope).values("pk"))
        .select_related("cluster")
        .order_by("cluster__name", "title", "project_id")
    )


# One pass over the year's checks grouped by cluster, joined to the clusters: the same outcome as the
# table's check_status (correlated subqueries, three per cluster) without evaluating them for every row.
_CHECK_SUMMARY = """
SELECT CASE WHEN COALESCE(k.total, 0) = 0 THEN %s WHEN k.fail > 0 THEN %s WHEN k.no_data > 0 THEN %s ELSE %s END,
       COUNT(*)
FROM ({clusters}) c
LEFT JOIN (
    SELECT r.cluster_id, COUNT(*) AS total, COUNT(*) FILTER (WHERE x.status = %s) AS fail,
           COUNT(*) FILTER (WHERE x.status = %s) AS no_data
    FROM federal_registrycheckresult x JOIN federal_annualreport r ON r.id = x.report_id
    WHERE r.year = %s AND r.is_latest
    GROUP BY r.cluster_id
) k ON k.cluster_id = c.id
GROUP BY 1
"""


def check_summary(clusters: QuerySet[Cluster], year: int | None) -> dict[str, int]:
    """How many of these clusters pass, fail, lack data or have no checks for the year (one query)."""
    counts = {status: 0 for status in CHECK_STATUSES}
    inner = clusters.order_by().values("id")
    sql, params = inner.query.sql_with_params()
    fail, no_data = RegistryCheckResult.Status.FAIL.value, RegistryCheckResult.Status.NO_DATA.value
    with connections[inner.db].cursor() as cursor:
        cursor.execute(
            _CHECK_SUMMARY.format(clusters=sql),
            [
                CHECK_NONE,
                fail,
                no_data,
                RegistryCheckResult.Status.PASS.value,
                *params,
                fail,
                no_data,
                year or 0,
            ],
        )
        for status, n in cursor.fetchall():
            counts[status] = n
    return counts


@dataclass(frozen=True)
class Dashboard:
    """Everything the overview shows except the table page itself."""

    filters: Filters
    years: list[int]
    year: int | None
    series_years: list[int]
    totals: dict[int, dict[str, Total]]
    live: LiveTotals
    checks: dict[str, int]
    scope: MinistryScope = field(repr=False)
    regions: list[RegionProjects] = field(default_factory=list)
    shortfalls: Sequence[FederalProject] = field(default_factory=list, repr=False)
    cache_key: str = ""  # of these figures; table pages are cached under it too

    @cached_property
    def table(self) -> QuerySet[Cluster]:
        """The filtered, annotated, ordered table (lazy: building its correlated subqueries costs
        tens of milliseconds, which a request served from the cache, or the API, need not pay)."""
        return cluster_table(self.scope, self.filters, self.year)

    def total(self, code: str, year: int | None = None) -> Total | None:
        return self.totals.get(year or self.year or 0, {}).get(code)

    def series(self, code: str) -> list[Decimal | None]:
        out = []
        for year in self.series_years:
            total = self.totals.get(year, {}).get(code)
            out.append(total.figure if total else None)
        return out


def warehouse_version() -> int:
    """The warehouse's version: changes whenever a table the dashboards read is written (one query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM federal_warehouse_version")
        value, called = cursor.fetchone()
    return int(value) if called else 0


def _cache_key(scope: MinistryScope, filters: Filters, version: int) -> str:
    """The scope (everything, or these regions) and the filters that change the figures (not the sort)."""
    who = "federal" if scope.federal else ",".join(sorted(scope.region_codes))
    what = repr(sorted(asdict(replace(filters, sort="")).items()))
    digest = hashlib.blake2b(f"{who}|{what}".encode(), digest_size=16).hexdigest()
    return f"ministry:{version}:{digest}"


def dashboard(scope: MinistryScope, filters: Filters) -> Dashboard:
    """The overview. After no change to the warehouse: 1 query (its version), the rest from the cache.
    Otherwise 6 queries (years, year-over-year totals, live totals with projects by region, check
    summary, projects below plan) whose results are cached. The table stays a lazy queryset: page it
    with `table_page` (1 query when not cached; `live.clusters` is its row count)."""
    key = _cache_key(scope, filters, warehouse_version())
    cache = caches[CACHE]
    cached: Dashboard | None = cache.get(key)
    if cached is not None:
        return replace(cached, filters=filters)  # the same figures; this request's sort
    years = report_years(scope)
    year = chosen_year(filters, years)
    clusters = filtered_clusters(scope, filters)
    annotated = annotate_table(clusters, year)  # built once: its correlated subqueries are costly to set up
    table = cluster_table(scope, filters, year, annotated)
    series_years = sorted(y for y in years if year is None or y <= year)[-YEARS_SHOWN:]
    scoped = table if filters.checks else clusters  # the check filter narrows the totals too
    live, regions = live_totals_by_region(scoped)
    board = Dashboard(
        filters=filters,
        years=years,
        year=year,
        series_years=series_years,
        totals=year_totals(scoped, years=series_years),
        live=live,
        checks=check_summary(clusters, year),
        scope=scope,
        regions=regions,
        shortfalls=list(shortfall_projects(scoped)),
        cache_key=key,
    )
    cache.set(key, board, CACHE_SECONDS)  # pickled now, before the table below joins the instance
    board.__dict__["table"] = table  # the cached_property, already built
    return board


def table_page(board: Dashboard, start: int, stop: int) -> list[Cluster]:
    """Rows start..stop of the board's table in its order (1 query, or none when cached)."""
    key = f"{board.cache_key}:table:{board.filters.sort}:{start}:{stop}"
    cache = caches[CACHE]
    rows: list[Cluster] | None = cache.get(key) if board.cache_key else None
    if rows is None:
        rows = list(board.table[start:stop])
        if board.cache_key:
            cache.set(key, rows, CACHE_SECONDS)
    return rows


# --- one cluster's reports -------------------------------------------------------------------


def cluster_reports(*, cluster: Cluster) -> list[AnnualReport]:
    """Every submitted version of every year, newest year first, versions descending (one query)."""
    return list(
        AnnualReport.objects.filter(cluster=cluster).select_related("form").order_by("-year", "-version")
    )


def reports_checks(*, reports: Sequence[AnnualReport]) -> dict[int, list[RegistryCheckResult]]:
    """{report id: its registry-check rows} for these reports (one query)."""
    out: dict[int, list[RegistryCheckResult]] = {r.pk: [] for r in reports}
    rows = RegistryCheckResult.objects.filter(report__in=[r.pk for r in reports]).order_by(
        "report_id", "code"
    )
    for row in rows:
        assert row.report_id is not None  # noqa: S101 - filtered above
        out[row.report_id].append(row)
    return out


def cluster_snapshot(*, cluster: Cluster) -> ClusterSnapshot | None:
    return ClusterSnapshot.objects.filter(cluster=cluster).first()


@dataclass(frozen=True)
class DiffRow:
    code: str
    name: str
    unit: str
    before: str
    after: str
    status: str  # "changed", "added", "removed"
    delta: Decimal | None = None


def _numeric(raw: Any) -> Decimal | None:
    if raw is None or isinstance(raw, bool) or raw == "":
        return None
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


def form_order(*, report: AnnualReport) -> dict[str, int]:
    """{indicator code: position} in the report's form (JSON keys come back in no useful order)."""
    codes = (
        Indicator.objects.filter(form_id=report.form_id)
        .order_by("position", "id")
        .values_list("code", flat=True)
    )
    return {code: n for n, code in enumerate(codes)}


def ordered_codes(values: Mapping[str, Any], order: Mapping[str, int]) -> list[str]:
    return sorted(values, key=lambda code: (order.get(code, len(order)), code))


def report_diff(
    older: AnnualReport, newer: AnnualReport, order: Mapping[str, int] | None = None
) -> list[DiffRow]:
    """Indicator by indicator, what a correction changed (values, and comments), in the newer form's order."""
    before, after = older.values or {}, newer.values or {}
    order = order or {}
    rows = []
    for code in ordered_codes({**before, **after}, order):
        old, new = before.get(code), after.get(code)
        entry = new or old or {}
        name = str(entry.get("name_ru") or code)
        unit = str(entry.get("unit") or "")
        if old is None:
            rows.append(DiffRow(code, name, unit, "", str((new or {}).get("display") or ""), "added"))
            continue
        if new is None:
            rows.append(DiffRow(code, name, unit, str(old.get("display") or ""), "", "removed"))
            continue
        if old.get("value") == new.get("value") and (old.get("comment") or "") == (new.get("comment") or ""):
            continue
        a, b = _numeric(old.get("value")), _numeric(new.get("value"))
        delta = b - a if a is not None and b is not None and old.get("value_type") != "text" else None
        old_text = str(old.get("display") or old.get("value") or "—")
        new_text = str(new.get("display") or new.get("value") or "—")
        if old_text == new_text and (old.get("comment") or "") != (new.get("comment") or ""):
            old_text = f"{old_text} ({old.get('comment') or '—'})"
            new_text = f"{new_text} ({new.get('comment') or '—'})"
        rows.append(DiffRow(code, name, unit, old_text, new_text, "changed", delta))
    return rows


# --- API lists -------------------------------------------------------------------------------


def submitted_reports(scope: MinistryScope) -> QuerySet[AnnualReport]:
    """Every submitted version of the scope's clusters (drafts live in the clusters and never here)."""
    return (
        AnnualReport.objects.filter(cluster__in=visible_clusters(scope).values("pk"))
        .select_related("cluster", "form")
        .order_by("cluster__name", "-year", "-version")
    )


def submitted_checks(scope: MinistryScope) -> QuerySet[RegistryCheckResult]:
    """Registry checks as submitted with reports (the live, unsubmitted checks stay with the cluster)."""
    return (
        RegistryCheckResult.objects.filter(
            cluster__in=visible_clusters(scope).values("pk"), report__isnull=False
        )
        .select_related("cluster", "report")
        .order_by("cluster__name", "-year", "code")
    )
