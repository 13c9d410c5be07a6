"""The demo (`manage.py demo_setup`, `make demo`): clusters, users and every area's demo data.

The platform package orchestrates; each area keeps its own hook (`billing.demo`,
`tenants.roadmap.demo`, `tenants.fees.demo`, `core.federal.demo`), listed by dotted path in
settings.CLUSTER_DEMOS / settings.PLATFORM_DEMOS, so `tenants` never imports the areas.

| module | what |
|---|---|
| `clusters.py` | `demo_setup()`: the four seed clusters, one login per role, news, then the hooks |
| `content.py` | `demo_cluster_content` (a CLUSTER_DEMOS hook): members, bodies, meetings, committees, events |
"""

from .clusters import CLUSTERS, DEMO_PASSWORD, DemoCluster, DemoLogin, demo_setup

__all__ = ["CLUSTERS", "DEMO_PASSWORD", "DemoCluster", "DemoLogin", "demo_setup"]
