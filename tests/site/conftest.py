"""Helpers of the site tests: member companies, products and events inside a cluster schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from core.audit.services import Actor
from tenants.events.models import Event
from tenants.events.services import event_create
from tenants.members.models import Company, Product
from tenants.models import Cluster


def moscow_today() -> dt.date:
    """The clusters' local date (both test clusters keep Europe/Moscow)."""
    return dt.datetime.now(ZoneInfo("Europe/Moscow")).date()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_company() -> Callable[..., Company]:
    def make(
        cluster: Cluster,
        name: str,
        *,
        status: str = Company.Status.ACTIVE,
        kind: str = Company.Kind.COMPANY,
        **fields: Any,
    ) -> Company:
        with schema_context(cluster.schema_name):
            return Company.objects.create(
                full_name=f"ООО «{name}»", short_name=name, status=status, kind=kind, **fields
            )

    return make


@pytest.fixture
def make_product() -> Callable[..., Product]:
    def make(cluster: Cluster, company: Company, name: str, **fields: Any) -> Product:
        with schema_context(cluster.schema_name):
            return Product.objects.create(company=company, name=name, **fields)

    return make


@pytest.fixture
def make_event() -> Callable[..., Event]:
    def make(
        cluster: Cluster, title: str, starts_on: dt.date, ends_on: dt.date | None = None, **fields: Any
    ) -> Event:
        with schema_context(cluster.schema_name):
            return event_create(
                actor=Actor.system(cluster), title=title, starts_on=starts_on, ends_on=ends_on, **fields
            )

    return make
