"""Archive a cluster to a pg_dump file, drop it, restore it from that file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context, schema_exists

from tenants import schemas
from tenants.content.models import News
from tenants.content.services import news_create
from tenants.models import Cluster
from tenants.services import cluster_provision
from tests.conftest import client_for


@pytest.fixture
def archived_slug(transactional_db: None) -> Iterator[str]:
    slug = "archme"
    yield slug
    Cluster.objects.filter(schema_name=slug).delete()
    schemas.schema_drop(name=slug)


def test_archive_then_restore_round_trip(
    archived_slug: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = cluster_provision(slug=archived_slug, name="Кластер для архива", region_codes=["RU-MOS"])
    with schema_context(archived_slug):
        news_create(title="Новость, которая переживёт архив")

    call_command("archive_cluster", archived_slug, "--dir", str(tmp_path))
    assert "в архиве" in capsys.readouterr().out
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ARCHIVED
    dump = tmp_path / cluster.archive_path.rsplit("/", 1)[-1]
    assert dump.is_file() and dump.stat().st_size > 0
    assert not schema_exists(archived_slug)
    gone = client_for(cluster).get("/")
    assert gone.status_code == 410
    assert "Кластер в архиве" in gone.content.decode()

    call_command("restore_cluster", archived_slug)
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE
    with schema_context(archived_slug):
        assert list(News.objects.values_list("title", flat=True)) == ["Новость, которая переживёт архив"]
    page = client_for(cluster).get("/")
    assert page.status_code == 200
    assert "Новость, которая переживёт архив" in page.content.decode()


def test_restore_refuses_when_the_schema_exists(archived_slug: str) -> None:
    cluster_provision(slug=archived_slug, name="Кластер", region_codes=["RU-MOS"])
    Cluster.objects.filter(schema_name=archived_slug).update(archive_path="/nonexistent.dump")
    with pytest.raises(CommandError, match="не найден"):
        call_command("restore_cluster", archived_slug)
    assert schema_exists(archived_slug)


def test_archive_of_unknown_cluster_is_a_clear_error(transactional_db: None) -> None:
    with pytest.raises(CommandError, match="Кластер «nosuch» не найден"):
        call_command("archive_cluster", "nosuch")
