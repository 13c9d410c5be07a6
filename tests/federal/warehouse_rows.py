"""Warehouse rows for the dashboard tests: submitted reports, their facts and checks, live snapshots.

The dashboards read only these public-schema rows, so the tests write them directly (the
submission itself is tested in test_report_services.py). `bare_cluster` makes a Cluster row without
a schema: enough for the warehouse, which never enters a cluster's schema at request time.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.federal.models import AnnualReport, ClusterSnapshot, RegistryCheckResult, ReportForm
from core.federal.services import annual_report_facts_rebuild
from tenants.models import Cluster

_numbers = itertools.count(1)
CHECK_CODES = [c.value for c in RegistryCheckResult.Code]


def bare_cluster(
    name: str = "",
    *,
    regions: list[str] | None = None,
    slug: str = "",
    kind: str = Cluster.Kind.REGIONAL,
    registry_status: str = Cluster.RegistryStatus.INCLUDED,
) -> Cluster:
    n = next(_numbers)
    regions = regions or ["RU-TA"]
    if len(regions) > 1:
        kind = Cluster.Kind.INTERREGIONAL
    return Cluster.objects.create(
        schema_name=slug or f"wh{n}",
        name=name or f"Кластер склада {n}",
        region_codes=regions,
        kind=kind,
        registry_status=registry_status,
    )


def _entry(code: str, value: Any, indicator: Any) -> dict[str, Any]:
    vt = indicator.value_type if indicator else "integer"
    entry: dict[str, Any] = {
        "value_type": vt,
        "unit": indicator.unit if indicator else "",
        "name_ru": indicator.name_ru if indicator else code,
        "name_en": indicator.name_en if indicator else code,
        "method": indicator.method if indicator else "entered",
        "comment": "",
        "numerator": None,
        "denominator": None,
        "note": "",
    }
    if isinstance(value, tuple):  # a ratio: (numerator, denominator)
        num, den = value
        entry["numerator"], entry["denominator"] = str(num), str(den)
        value = (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01")) if den else None
    if vt in {"percent", "decimal"} and value is not None:
        entry["value"] = f"{Decimal(value):.2f}"
        entry["display"] = f"{Decimal(value):.2f}".replace(".", ",") + " %"
    elif vt == "money_kopecks" and value is not None:
        entry["value"] = int(value)
        entry["display"] = f"{int(value) // 100:,}".replace(",", " ") + f",{int(value) % 100:02d} ₽"
    else:
        entry["value"] = value
        entry["display"] = "нет данных" if value is None else str(value)
    return entry


def report(
    cluster: Cluster,
    year: int,
    figures: dict[str, Any],
    *,
    checks: dict[str, str] | None = None,
    correction_reason: str = "",
    is_demo: bool = False,
) -> AnnualReport:
    """A submitted version (the next one for the year) with its facts and check rows."""
    published = ReportForm.objects.filter(status=ReportForm.Status.PUBLISHED)
    if not published.exists():  # a transactional test flushed the forms the data migration made
        from tests.conftest import ensure_report_forms

        ensure_report_forms()
    form = published.filter(year=year).first() or published.order_by("-year").first()
    assert form is not None
    indicators = {i.code: i for i in form.indicators.all()}
    previous = AnnualReport.objects.filter(cluster=cluster, year=year, is_latest=True).first()
    version = previous.version + 1 if previous else 1
    if previous:
        AnnualReport.objects.filter(pk=previous.pk).update(is_latest=False)
        previous.facts.update(is_latest=False)
    statuses = checks if checks is not None else {code: "pass" for code in CHECK_CODES}
    now = timezone.now()
    created = AnnualReport.objects.create(
        cluster=cluster,
        year=year,
        version=version,
        form=form,
        is_demo=is_demo,
        is_latest=True,
        values={code: _entry(code, value, indicators.get(code)) for code, value in figures.items()},
        checks=[
            {"code": c, "status": s, "reason": f"Проверка {c}: {s}", "companies": [], "data": {}}
            for c, s in statuses.items()
        ],
        correction_reason=correction_reason or ("" if version == 1 else "Исправление"),
        submitted_at=now,
        submitted_by_email="admin@example.test",
    )
    annual_report_facts_rebuild(report=created)
    RegistryCheckResult.objects.bulk_create(
        [
            RegistryCheckResult(
                cluster=cluster,
                report=created,
                year=year,
                code=c,
                status=s,
                reason=f"Проверка {c}: {s}",
                computed_at=now,
                companies=[{"id": 1, "name": "ООО «Одиночка»", "inn": ""}] if s == "fail" else [],
            )
            for c, s in statuses.items()
        ]
    )
    return created


def snapshot(
    cluster: Cluster, *, members: int = 10, invoiced: int = 0, paid: int = 0, items: int = 0, done: int = 0
) -> ClusterSnapshot:
    row, _ = ClusterSnapshot.objects.update_or_create(
        cluster=cluster,
        defaults={
            "member_count": members,
            "members_by_kind": {"company": members},
            "dues_invoiced_kopecks": invoiced,
            "dues_paid_kopecks": paid,
            "roadmap_items_total": items,
            "roadmap_items_done": done,
        },
    )
    return row


def standard(
    cluster: Cluster,
    year: int,
    *,
    revenue: int = 100_000_000_00,
    employees: int = 500,
    export: int = 5_000_000_00,
    members: int = 12,
    checks: dict[str, str] | None = None,
) -> AnnualReport:
    """A plausible report: headline figures plus dues and roadmap ratios."""
    return report(
        cluster,
        year,
        {
            "members_total": members,
            "revenue": revenue,
            "employees": employees,
            "export": export,
            "dues_collection": (900_000_00, 1_000_000_00),
            "roadmap_completion": (8, 10),
            "highlights": "Запущено серийное производство.",
        },
        checks=checks,
    )
