"""Registry checks of Decree No. 779: every state, thresholds from settings, live rows."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context
from pytest_django import Settings

from core.federal import services
from core.federal.checks import CheckOutcome, registry_checks_compute
from core.federal.models import RegistryCheckResult
from tenants.members.models import Company
from tenants.models import Cluster

from . import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025


def _by_code(cluster: Cluster, **kwargs: Any) -> dict[str, CheckOutcome]:
    return {c.code: c for c in registry_checks_compute(cluster=cluster, year=YEAR, **kwargs)}


def test_every_check_passes_for_a_linked_cluster_of_ten(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR)
        f.member("Бывший", status=Company.Status.WITHDRAWN)  # not a participant: not counted
        checks = _by_code(cluster_a)
    assert {code: c.status for code, c in checks.items()} == {
        "participants_min": "pass",
        "cooperation_each": "pass",
        "functional_dependence": "pass",
        "max_without_cooperation": "pass",
    }
    assert checks["participants_min"].reason == "Участников: 10, требуется не менее 10."
    assert checks["functional_dependence"].data["value"] == "30.00"


def test_no_participants_means_not_enough_data(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        checks = _by_code(cluster_a)
    assert {code: c.status for code, c in checks.items()} == {
        "participants_min": "fail",
        "cooperation_each": "no_data",
        "functional_dependence": "no_data",
        "max_without_cooperation": "no_data",
    }


def test_failures_name_the_companies_concerned(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        linked = f.healthy_cluster(YEAR, members=6)
        lonely = [f.member(f"Без договора {n}") for n in range(4)]
        for company in lonely:
            f.kpi(company, YEAR, revenue=10_000_000_00)  # big revenue, no cooperation: dependence drops
        checks = _by_code(cluster_a)
    assert checks["participants_min"].status == "pass"
    assert checks["cooperation_each"].status == "fail"
    assert {c["name"] for c in checks["cooperation_each"].companies} == {c.short_name for c in lonely}
    assert checks["max_without_cooperation"].status == "fail"
    assert checks["max_without_cooperation"].reason == "Без кооперации 4 участн., а допускается не более 3."
    assert checks["functional_dependence"].status == "fail"
    assert "а требуется не менее 20,00 %" in checks["functional_dependence"].reason
    assert linked[0].pk not in {c["id"] for c in checks["cooperation_each"].companies}


def test_three_without_cooperation_are_tolerated_and_no_revenue_is_no_data(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        linked = [f.member() for _ in range(8)]
        for a, b in zip(linked, linked[1:] + linked[:1], strict=True):
            f.contract(a, b, year=YEAR - 1)  # earlier contracts still count for cooperation
        lonely = [f.member() for _ in range(3)]
        checks = _by_code(cluster_a)
    assert checks["cooperation_each"].status == "fail"
    assert checks["max_without_cooperation"].status == "pass"
    assert len(checks["max_without_cooperation"].companies) == len(lonely)
    assert checks["functional_dependence"].status == "no_data"
    assert len(checks["functional_dependence"].companies) == 11  # nobody has accepted figures


def test_special_territories_lower_the_dependence_threshold_and_settings_override(
    cluster_a: Cluster, settings: Settings
) -> None:
    with schema_context(cluster_a.schema_name):
        companies = f.healthy_cluster(YEAR)  # 30 % dependence
        f.contract(companies[0], companies[1], year=YEAR, amount=0)
        for company in companies:
            f.kpi(company, YEAR + 1, revenue=100_000_00)
        for a, b in zip(companies, companies[1:], strict=False):
            f.contract(a, b, year=YEAR + 1, amount=15_000_00)  # 9 × 15 000 / 1 000 000 = 13,5 %
        plain = {c.code: c for c in registry_checks_compute(cluster=cluster_a, year=YEAR + 1)}
        special = {
            c.code: c
            for c in registry_checks_compute(
                cluster=cluster_a, year=YEAR + 1, entered_values={"participants_special_territory": 3}
            )
        }
        settings.FEDERAL_REGISTRY_THRESHOLDS = {"participants_min": 12}
        stricter = {c.code: c for c in registry_checks_compute(cluster=cluster_a, year=YEAR)}
    assert plain["functional_dependence"].status == "fail"
    assert special["functional_dependence"].status == "pass"
    assert "Порог снижен" in special["functional_dependence"].reason
    assert stricter["participants_min"].status == "fail"
    assert stricter["participants_min"].data == {"value": 10, "threshold": 12}


def test_live_checks_are_stored_once_per_cluster_and_refreshed(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    with schema_context(cluster_a.schema_name):
        services.registry_checks_refresh_live(cluster=cluster_a, year=YEAR)
        f.healthy_cluster(YEAR)
        services.registry_checks_refresh_live(cluster=cluster_a, year=YEAR)
    rows = RegistryCheckResult.objects.filter(cluster=cluster_a, report__isnull=True)
    assert rows.count() == 4 and set(rows.values_list("status", flat=True)) == {"pass"}
    assert not RegistryCheckResult.objects.filter(cluster=cluster_b).exists()
    with pytest.raises(RuntimeError):  # never from another schema
        services.registry_checks_refresh_live(cluster=cluster_a)
