"""Checks of the Minpromtorg registry requirements (Government Decree No. 779 of 31.07.2015).

Run inside the cluster's schema. Thresholds are configuration: settings.FEDERAL_REGISTRY_THRESHOLDS
overrides any of DEFAULT_THRESHOLDS (the decree's text changes; the code must not).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    # the rows the outcome was decided on: participants, contracts binding them, revenue, territories
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return check_label(self.code)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "reason": self.reason,
            "companies": self.companies,
            "data": self.data,
            "evidence": self.evidence,
        }


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


def registry_checks_compute(
    *, cluster: Cluster, year: int | None = None, entered_values: dict[str, Any] | None = None
) -> list[CheckOutcome]:
    """The four checks for `year` (default: the previous year) on the cluster's current members.

    entered_values: parsed entered figures of the report being prepared (the special-territory
    count lowers the functional dependence threshold when no company is marked).
    """
    year = year or default_year(cluster)
    figures = ClusterMetrics(cluster=cluster, year=year).registry()
    return registry_checks_evaluate(figures=figures, year=year, entered_values=entered_values)


def registry_checks_evaluate(
    *, figures: RegistryFigures, year: int, entered_values: dict[str, Any] | None = None
) -> list[CheckOutcome]:
    """The four checks on figures already read (the application pack lists the same rows)."""
    limits = registry_thresholds()
    members = figures.participants
    without = [c for c in members if c.id not in figures.linked_ids]
    outcomes = [
        _participants_min(members, limits),
        _cooperation_each(members, without, figures),
        _functional_dependence(figures, year, limits, entered_values or {}),
        _max_without_cooperation(members, without, limits),
    ]
    return [_with_evidence(outcome) for outcome in outcomes]


def _with_evidence(outcome: CheckOutcome) -> CheckOutcome:
    """The checks below gather their rows under data["evidence"]; the outcome keeps them apart from the
    figures (data stays small: value, threshold…)."""
    data = dict(outcome.data)
    return replace(outcome, data=data, evidence=data.pop("evidence", {}))


def _participants_min(members: list[Participant], limits: dict[str, Any]) -> CheckOutcome:
    need, count = int(limits["participants_min"]), len(members)
    data: dict[str, Any] = {
        "value": count,
        "threshold": need,
        "evidence": {"participants": [c.card_json() for c in members]},
    }
    if count >= need:
        return CheckOutcome(
            "participants_min",
            PASS,
            _("Участников: %(count)s, требуется не менее %(need)s.") % {"count": count, "need": need},
            data=data,
        )
    return CheckOutcome(
        "participants_min",
        FAIL,
        _("Участников: %(count)s, а требуется не менее %(need)s: не хватает %(missing)s.")
        % {"count": count, "need": need, "missing": need - count},
        [c.as_json() for c in members],
        data,
    )


def _bindings(figures: RegistryFigures) -> list[dict[str, Any]]:
    """Each participant with the contracts that bind it to another participant (its counterparties)."""
    by_company: dict[int, list[dict[str, Any]]] = {c.id: [] for c in figures.participants}
    for row in figures.contracts:
        for own, other_id, other in (
            (row.party_a_id, row.party_b_id, row.party_b),
            (row.party_b_id, row.party_a_id, row.party_a),
        ):
            if own in by_company:
                by_company[own].append(
                    {
                        "contract_id": row.id,
                        "number": row.number,
                        "signed_on": row.signed_on.isoformat(),
                        "date": f"{row.signed_on:%d.%m.%Y}",
                        "with_id": other_id,
                        "with": other,
                    }
                )
    return [{**c.as_json(), "contracts": by_company[c.id]} for c in figures.participants]


def _cooperation_each(
    members: list[Participant], without: list[Participant], figures: RegistryFigures
) -> CheckOutcome:
    data: dict[str, Any] = {
        "value": len(members) - len(without),
        "total": len(members),
        "evidence": {"contracts": [r.as_json() for r in figures.contracts], "bindings": _bindings(figures)},
    }
    if not members:
        return CheckOutcome("cooperation_each", NO_DATA, _("В кластере нет участников."), data=data)
    if not without:
        return CheckOutcome(
            "cooperation_each",
            PASS,
            _("У каждого из %(total)s участников есть договор о кооперации с другим участником.")
            % {"total": len(members)},
            data=data,
        )
    return CheckOutcome(
        "cooperation_each",
        FAIL,
        _("Без договора о кооперации с другим участником: %(count)s из %(total)s.")
        % {"count": len(without), "total": len(members)},
        [c.as_json() for c in without],
        data,
    )


def _max_without_cooperation(
    members: list[Participant], without: list[Participant], limits: dict[str, Any]
) -> CheckOutcome:
    allowed, years = int(limits["max_without_cooperation"]), int(limits["cooperation_grace_years"])
    data: dict[str, Any] = {
        "value": len(without),
        "threshold": allowed,
        "grace_years": years,
        "evidence": {"without": [c.card_json() for c in without]},
    }
    companies = [c.as_json() for c in without]
    if not members:
        return CheckOutcome("max_without_cooperation", NO_DATA, _("В кластере нет участников."), data=data)
    if len(without) <= allowed:
        return CheckOutcome(
            "max_without_cooperation",
            PASS,
            _(
                "Без кооперации %(count)s участн., допускается не более %(allowed)s при условии "
                "заключения договоров в течение %(years)s лет."
            )
            % {"count": len(without), "allowed": allowed, "years": years},
            companies,
            data,
        )
    return CheckOutcome(
        "max_without_cooperation",
        FAIL,
        _("Без кооперации %(count)s участн., а допускается не более %(allowed)s.")
        % {"count": len(without), "allowed": allowed},
        companies,
        data,
    )


def special_territory_share(
    figures: RegistryFigures, limits: dict[str, Any], entered: dict[str, Any]
) -> dict[str, Any]:
    """Participants in single-industry towns or priority territories (the company attribute) and whether
    they are enough to lower the functional dependence threshold. A cluster that has marked none of its
    companies may still rely on the count typed into its report (the entered indicator)."""
    members = figures.participants
    marked = [c for c in members if c.special_territory]
    count, source = len(marked), "companies"
    typed = entered.get(limits["special_territory_indicator"])
    if not marked and isinstance(typed, int) and typed > 0:
        count, source = min(typed, len(members)), "entered"
    need = int(limits["special_territory_share_percent"])
    share = _percent(count, len(members)) if members else Decimal(0)
    return {
        "count": count,
        "total": len(members),
        "share": str(share),
        "threshold_share": need,
        "source": source,
        "lowered": bool(members) and count * 100 >= need * len(members),
        "companies": [c.card_json() for c in marked],
    }


def _functional_dependence(
    figures: RegistryFigures, year: int, limits: dict[str, Any], entered: dict[str, Any]
) -> CheckOutcome:
    """Cooperation contracts between participants signed in the year, as a share of the
    participants' revenue in their accepted KPIs of that year."""
    members = figures.participants
    revenue, cooperation = figures.revenue_kopecks, figures.cooperation_kopecks
    threshold = Decimal(limits["functional_dependence_min_percent"])
    special = special_territory_share(figures, limits, entered)
    special_note = ""
    if special["lowered"]:
        threshold = Decimal(limits["functional_dependence_special_percent"])
        special_note = " " + _(
            "Порог снижен: не менее %(share)s%% участников в моногородах или на территориях "
            "опережающего развития."
        ) % {"share": limits["special_territory_share_percent"]}
    in_year = [r for r in figures.contracts if r.signed_on.year == year]
    data: dict[str, Any] = {
        "year": year,
        "revenue_kopecks": revenue,
        "cooperation_kopecks": cooperation,
        "threshold": str(threshold),
        "evidence": {
            "method": _(
                "Сумма договоров между участниками, заключённых в %(year)s году (%(contracts)s шт.), "
                "делённая на выручку участников за %(year)s год по их принятым показателям "
                "(%(companies)s орг.), × 100 %%."
            )
            % {"year": year, "contracts": len(in_year), "companies": len(figures.revenue_rows)},
            "contracts": [r.as_json() for r in in_year],
            "revenue": [r.as_json() for r in figures.revenue_rows],
            "special_territory": special,
        },
    }
    if not members or revenue <= 0:
        without_kpi = [c.as_json() for c in members if c.id not in figures.with_kpi_ids]
        return CheckOutcome(
            "functional_dependence",
            NO_DATA,
            _("Нет принятых показателей выручки участников за %(year)s год.") % {"year": year},
            without_kpi,
            data,
        )
    share = _percent(cooperation, revenue)
    data["value"] = str(share)
    values = {"share": _fmt_percent(share), "threshold": _fmt_percent(threshold), "year": year}
    if share >= threshold:
        return CheckOutcome(
            "functional_dependence",
            PASS,
            _(
                "Договоры между участниками за %(year)s год — %(share)s их выручки, требуется не "
                "менее %(threshold)s."
            )
            % values
            + special_note,
            data=data,
        )
    return CheckOutcome(
        "functional_dependence",
        FAIL,
        _(
            "Договоры между участниками за %(year)s год — %(share)s их выручки, а требуется не "
            "менее %(threshold)s."
        )
        % values
        + special_note,
        data=data,
    )
