"""The live sections of an application, read INSIDE the cluster's schema through the areas' metrics
providers (settings.FEDERAL_METRICS, core.federal.metrics.ClusterMetrics): core never imports a
tenant app. Frozen into Application.snapshot at submission.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection

from core.clock import cluster_today
from core.federal.checks import registry_checks_evaluate
from core.federal.metrics import ClusterMetrics
from tenants.models import Cluster


def live_sections(*, cluster: Cluster) -> dict[str, Any]:
    """Participants (by type and region), cooperation and the functional dependence (previous year),
    joint projects with indicators and support, roadmap completion and dues discipline (this year)."""
    if getattr(connection, "schema_name", None) != cluster.schema_name:
        raise RuntimeError("an application's live sections are read inside the cluster's schema")
    today = cluster_today(cluster)
    current = ClusterMetrics(cluster=cluster, year=today.year)
    previous_year = today.year - 1
    previous = ClusterMetrics(cluster=cluster, year=previous_year)
    live = current.live()
    registry = previous.registry()
    participants = registry.participants
    checks = {c.code: c for c in registry_checks_evaluate(figures=registry, year=previous_year)}
    dependence = checks.get("functional_dependence")
    projects = current.projects()
    invoiced = int(live.get("dues_invoiced_kopecks", 0))
    paid = int(live.get("dues_paid_kopecks", 0))
    items_total = int(live.get("roadmap_items_total", 0))
    items_done = int(live.get("roadmap_items_done", 0))
    return {
        "as_of": today.isoformat(),
        "participants": {
            "total": len(participants),
            "by_kind": dict(sorted(Counter(p.kind or "—" for p in participants).items())),
            "by_region": dict(sorted(Counter(p.region_code or "—" for p in participants).items())),
            "list": [
                {"name": p.name, "inn": p.inn, "kind": p.kind, "region_code": p.region_code}
                for p in participants
            ],
        },
        "cooperation": {
            "year": previous_year,
            "contracts": len(registry.contracts),
            "contracts_amount_kopecks": sum(c.amount_kopecks for c in registry.contracts),
            "linked_participants": len(registry.linked_ids),
            "functional_dependence_percent": (dependence.data or {}).get("value") if dependence else None,
            "functional_dependence_status": dependence.status if dependence else "no_data",
            "functional_dependence_reason": dependence.reason if dependence else "",
        },
        "projects": [
            {
                "title": p.title,
                "kind": p.kind,
                "status": p.status_label or p.status,
                "lead": p.lead,
                "start": p.start.isoformat() if p.start else None,
                "end": p.end.isoformat() if p.end else None,
                "participants": p.participants,
                "budget_kopecks": p.budget_kopecks,
                "support_requested_kopecks": p.support_requested_kopecks,
                "support_granted_kopecks": p.support_granted_kopecks,
                "support_received_kopecks": p.support_received_kopecks,
                "support_measures": list(p.support_measures),
                "indicators": [i.as_json() for i in p.indicators],
            }
            for p in projects
        ],
        "roadmap": {
            "year": today.year,
            "items_total": items_total,
            "items_done": items_done,
            "completion_percent": round(items_done * 100 / items_total, 1) if items_total else None,
        },
        "dues": {
            "year": today.year,
            "invoiced_kopecks": invoiced,
            "paid_kopecks": paid,
            "collection_percent": round(paid * 100 / invoiced, 1) if invoiced else None,
        },
    }
