"""The demo reports: two years per cluster, marked demo, a correction, both registry states; idempotent."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from core.federal.models import AnnualReport, RegistryCheckResult, ReportForm
from tenants.models import Cluster
from tenants.reporting.demo import demo_annual_reports

from . import factories as f

pytestmark = pytest.mark.django_db


def test_demo_reports_for_two_years_with_a_failing_cluster_and_no_duplicates(
    cluster_a: Cluster,
    cluster_b: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tenants.reporting.demo.CORRECTED", ("alpha", 2025))
    with schema_context(cluster_a.schema_name):
        for _ in range(11):
            f.member()
    with schema_context(cluster_b.schema_name):
        for _ in range(4):
            f.member()
    demo_annual_reports([cluster_a, cluster_b])
    demo_annual_reports([cluster_a, cluster_b])  # again: nothing new
    assert ReportForm.objects.filter(year=2024, status="published").count() == 1
    alpha = AnnualReport.objects.filter(cluster=cluster_a)
    assert sorted(alpha.values_list("year", "version")) == [(2024, 1), (2025, 1), (2025, 2)]
    assert all(r.is_demo for r in alpha)
    corrected = alpha.get(year=2025, version=2)
    assert corrected.correction_reason and corrected.is_latest
    assert (
        corrected.values["revenue"]["value"] > 0 and corrected.values["cooperation_contracts"]["value"] == 11
    )
    assert sorted(AnnualReport.objects.filter(cluster=cluster_b).values_list("year", "version")) == [
        (2024, 1),
        (2025, 1),
    ]
    statuses = dict(
        RegistryCheckResult.objects.filter(
            report__is_latest=True, year=2025, code="participants_min"
        ).values_list("cluster__schema_name", "status")
    )
    assert statuses == {"alpha": "pass", "beta": "fail"}
    alpha_checks = RegistryCheckResult.objects.filter(report=corrected).values_list("code", "status")
    assert dict(alpha_checks)["functional_dependence"] == "pass"
