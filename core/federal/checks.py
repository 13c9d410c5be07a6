"""Checks of the Minpromtorg registry requirements (Government Decree No. 779 of 31.07.2015).

Run inside the cluster's schema. Thresholds are configuration: settings.FEDERAL_REGISTRY_THRESHOLDS
overrides any of DEFAULT_THRESHOLDS (the decree's text changes; the code must not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.clock import cluster_today
from tenants.models import Cluster

from .metrics import ClusterMetrics, Participant, RegistryFigures

DEFAULT_THRESHOLDS: dict[str, Any] = {
    "participants_min": 10,
    # functional dependence: cooperation between participants as a share of their revenue, percent
    "functional_dependence_min_percent": 20,
    # ... lowered when enough participants are in single-industry towns or priority territories
    "functional_dependence_special_percent": 10,
    "special_territory_share_percent": 30,
    # the entered indicator holding how many participants are in such territories
    "special_territory_indicator": "participants_special_territory",
    "max_without_cooperation": 3,
    "cooperation_grace_years": 3,
}

PASS, FAIL, NO_DATA = "pass", "fail", "no_data"
CODES = ("participants_min", "cooperation_each", "functional_dependence", "max_without_cooperation")


def registry_thresholds() -> dict[str, Any]:
    return {**DEFAULT_THRESHOLDS, **getattr(settings, "FEDERAL_REGISTRY_THRESHOLDS", {})}


@dataclass(frozen=True)
class CheckOutcome:
    code: str
    status: str  # pass | fail | no_data
    reason: str
    companies: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return check_label(self.code)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, "reason": self.reason,
                "companies": self.companies, "data": self.data}


def check_label(code: str) -> str:
    from .models import RegistryCheckResult

    return str(dict(RegistryCheckResult.Code.choices).get(code, code))


def _percent(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _fmt_percent(value: Decimal | int | float) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}".replace(".", ",") + " %"


def default_year(cluster: Cluster) -> int:
    """The period the live check looks at: the previous calendar year in the cluster's time zone."""
    return cluster_today(cluster).year - 1


def registry_checks_compute(*, cluster: Cluster, year: int | None = None,
                            entered_values: dict[str, Any] | None = None) -> list[CheckOutcome]:
    """The four checks for `year` (default: the previous year) on the cluster's current members.

    entered_values: parsed entered figures of the report being prepared (the special-territory
    count lowers the functional dependence threshold).
    """
    limits = registry_thresholds()
    year = year or default_year(cluster)
    figures = ClusterMetrics(cluster=cluster, year=year).registry()
    members = figures.participants
    without = [c for c in members if c.id not in figures.linked_ids]
    return [
        _participants_min(members, limits),
        _cooperation_each(members, without),
        _functional_dependence(figures, year, limits, entered_values or {}),
        _max_without_cooperation(members, without, limits),
    ]


def _participants_min(members: list[Participant], limits: dict[str, Any]) -> CheckOutcome:
    need, count = int(limits["participants_min"]), len(members)
    data = {"value": count, "threshold": need}
    if count >= need:
        return CheckOutcome("participants_min", PASS,
                            _("Участников: %(count)s, требуется не менее %(need)s.") % {"count": count, "need": need},
                            data=data)
    return CheckOutcome("participants_min", FAIL,
                        _("Участников: %(count)s, а требуется не менее %(need)s: не хватает %(missing)s.")
                        % {"count": count, "need": need, "missing": need - count},
                        [c.as_json() for c in members], data)


def _cooperation_each(members: list[Participant], without: list[Participant]) -> CheckOutcome:
    data = {"value": len(members) - len(without), "total": len(members)}
    if not members:
        return CheckOutcome("cooperation_each", NO_DATA, _("В кластере нет участников."), data=data)
    if not without:
        return CheckOutcome("cooperation_each", PASS,
                            _("У каждого из %(total)s участников есть договор о кооперации с другим участником.")
                            % {"total": len(members)}, data=data)
    return CheckOutcome("cooperation_each", FAIL,
                        _("Без договора о кооперации с другим участником: %(count)s из %(total)s.")
                        % {"count": len(without), "total": len(members)},
                        [c.as_json() for c in without], data)


def _max_without_cooperation(members: list[Participant], without: list[Participant],
                             limits: dict[str, Any]) -> CheckOutcome:
    allowed, years = int(limits["max_without_cooperation"]), int(limits["cooperation_grace_years"])
    data = {"value": len(without), "threshold": allowed}
    companies = [c.as_json() for c in without]
    if not members:
        return CheckOutcome("max_without_cooperation", NO_DATA, _("В кластере нет участников."), data=data)
    if len(without) <= allowed:
        return CheckOutcome("max_without_cooperation", PASS,
                            _("Без кооперации %(count)s участн., допускается не более %(allowed)s при условии "
                              "заключения договоров в течение %(years)s лет.")
                            % {"count": len(without), "allowed": allowed, "years": years}, companies, data)
    return CheckOutcome("max_without_cooperation", FAIL,
                        _("Без кооперации %(count)s участн., а допускается не более %(allowed)s.")
                        % {"count": len(without), "allowed": allowed}, companies, data)


def _functional_dependence(figures: RegistryFigures, year: int, limits: dict[str, Any],
                           entered: dict[str, Any]) -> CheckOutcome:
    """Cooperation contracts between participants signed in the year, as a share of the
    participants' revenue in their accepted KPIs of that year."""
    members = figures.participants
    revenue, cooperation = figures.revenue_kopecks, figures.cooperation_kopecks
    threshold = Decimal(limits["functional_dependence_min_percent"])
    special = entered.get(limits["special_territory_indicator"])
    special_note = ""
    if members and isinstance(special, int) and special * 100 >= int(limits["special_territory_share_percent"]) \
            * len(members):
        threshold = Decimal(limits["functional_dependence_special_percent"])
        special_note = " " + _("Порог снижен: не менее %(share)s%% участников в моногородах или на территориях "
                               "опережающего развития.") % {"share": limits["special_territory_share_percent"]}
    data: dict[str, Any] = {"year": year, "revenue_kopecks": revenue, "cooperation_kopecks": cooperation,
                            "threshold": str(threshold)}
    if not members or revenue <= 0:
        without_kpi = [c.as_json() for c in members if c.id not in figures.with_kpi_ids]
        return CheckOutcome("functional_dependence", NO_DATA,
                            _("Нет принятых показателей выручки участников за %(year)s год.") % {"year": year},
                            without_kpi, data)
    share = _percent(cooperation, revenue)
    data["value"] = str(share)
    values = {"share": _fmt_percent(share), "threshold": _fmt_percent(threshold), "year": year}
    if share >= threshold:
        return CheckOutcome("functional_dependence", PASS,
                            _("Договоры между участниками за %(year)s год — %(share)s их выручки, требуется не "
                              "менее %(threshold)s.") % values + special_note, data=data)
    return CheckOutcome("functional_dependence", FAIL,
                        _("Договоры между участниками за %(year)s год — %(share)s их выручки, а требуется не "
                          "менее %(threshold)s.") % values + special_note, data=data)
