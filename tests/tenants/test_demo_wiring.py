"""The demo lives in the platform package (clusterhub.demo) and reaches the areas only through
the CLUSTER_DEMOS / PLATFORM_DEMOS hooks; the tenants registry imports no area app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[2]
AREAS = (
    "tenants.members",
    "tenants.governance",
    "tenants.events",
    "tenants.roadmap",
    "tenants.fees",
    "tenants.content",
    "tenants.reporting",
    "billing",
    "core.federal",
)


@pytest.mark.parametrize("path", [*settings.CLUSTER_DEMOS, *settings.PLATFORM_DEMOS])
def test_every_demo_hook_is_importable(path: str) -> None:
    assert callable(import_string(path))


def test_demo_setup_command_calls_the_platform_demo() -> None:
    from tenants.management.commands import demo_setup

    assert demo_setup.demo_setup.__module__ == "clusterhub.demo.clusters"


def test_the_tenants_registry_imports_no_area_app() -> None:
    offenders = []
    for module in sorted((ROOT / "tenants").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offenders += [f"{module.name}: {name}" for name in names if name.startswith(AREAS)]
    assert offenders == []


@pytest.mark.django_db
def test_demo_setup_fills_the_four_seed_clusters_through_the_hooks(localstripe: str) -> None:
    from django_tenants.utils import schema_context

    from clusterhub.demo import demo_setup
    from tenants.members.models import Company
    from tenants.models import Cluster

    logins = demo_setup()

    assert {"admin@nso.demo", "member@mosreg.demo", "root@platform.demo"} <= {login.email for login in logins}
    nso = Cluster.objects.get(schema_name="nso")
    assert nso.time_zone == "Asia/Novosibirsk"
    with schema_context(nso.schema_name):
        assert Company.objects.filter(is_demo=True).exists()  # the content hook ran inside the cluster
