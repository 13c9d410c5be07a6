"""backup_cluster / restore_cluster_backup: one cluster, while the others keep running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists
from pytest_django import Settings

from clusterhub.backups import cluster_media_dir, dump_schema_names
from tenants import schemas
from tenants.content.models import News
from tenants.content.services import news_create
from tenants.models import Cluster
from tenants.services import cluster_provision
from tests.conftest import client_for, tenant_connection

SLUG = "bkp"


@pytest.fixture
def cluster(transactional_db: None, settings: Settings, tmp_path: Path) -> Iterator[Cluster]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CLUSTER_BACKUP_DIR = tmp_path / "backups"
    created = cluster_provision(slug=SLUG, name="Кластер для резервной копии", region_codes=["RU-MOS"])
    yield created
    tenant_connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"{SLUG}%"])
        leftovers = [row[0] for row in cur.fetchall()]
    Cluster.objects.filter(schema_name=SLUG).delete()
    for name in leftovers:
        schemas.schema_drop(name=name)


def _titles() -> list[str]:
    with schema_context(SLUG):
        return sorted(News.objects.values_list("title", flat=True))


def test_backup_then_restore_brings_back_data_and_files(
    cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str], cluster_b: Cluster
) -> None:
    with schema_context(SLUG):
        news_create(title="До резервной копии")
    media = cluster_media_dir(SLUG)
    (media / "site-documents").mkdir(parents=True)
    (media / "site-documents" / "устав.txt").write_text("Устав, редакция 1", encoding="utf-8")

    call_command("backup_cluster", SLUG)
    out = capsys.readouterr().out
    dumps = sorted((tmp_path / "backups").glob(f"{SLUG}-*.dump"))
    assert len(dumps) == 1
    assert f"Кластер «{SLUG}»: {dumps[0]}" in out
    assert dumps[0].with_name(dumps[0].name.replace(".dump", ".media.tar.gz")).is_file()
    assert dump_schema_names(dumps[0]) == {SLUG}
    # Non-destructive: the cluster keeps serving.
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE
    assert client_for(cluster).get("/").status_code == 200

    with schema_context(SLUG):
        news_create(title="После резервной копии")
    (media / "site-documents" / "устав.txt").write_text("Устав, редакция 2", encoding="utf-8")
    (media / "new.txt").write_text("новый файл", encoding="utf-8")

    call_command("restore_cluster_backup", SLUG, "--file", str(dumps[0]))
    out = capsys.readouterr().out
    assert f"Кластер «{SLUG}» восстановлен; прежняя схема сохранена как {SLUG}_before_restore_" in out

    assert _titles() == ["До резервной копии"]
    assert (media / "site-documents" / "устав.txt").read_text(encoding="utf-8") == "Устав, редакция 1"
    assert not (media / "new.txt").exists()
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE
    page = client_for(cluster).get("/")
    assert page.status_code == 200
    assert "До резервной копии" in page.content.decode()
    assert "После резервной копии" not in page.content.decode()
    # The state before the restore is kept for inspection, schema and files.
    previous = out.split("сохранена как ", 1)[1].split(".", 1)[0].strip()
    assert schema_exists(previous)
    with schema_context(previous):
        assert sorted(News.objects.values_list("title", flat=True)) == [
            "До резервной копии",
            "После резервной копии",
        ]
    kept = list(media.parent.glob(f"{SLUG}.before-restore-*"))
    assert len(kept) == 1
    assert (kept[0] / "new.txt").is_file()
    # Another cluster was never touched.
    assert client_for(cluster_b).get("/").status_code == 200


def test_restore_with_drop_previous_leaves_no_copy(cluster: Cluster, tmp_path: Path) -> None:
    call_command("backup_cluster", SLUG, "--dir", str(tmp_path / "here"))
    dump = next((tmp_path / "here").glob("*.dump"))
    call_command("restore_cluster_backup", SLUG, "--file", str(dump), "--drop-previous")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [f"{SLUG}_before_restore_%"])
        assert cur.fetchone()[0] == 0
    assert schema_exists(SLUG)


def test_restore_refuses_a_dump_of_another_cluster(
    cluster: Cluster, cluster_a: Cluster, tmp_path: Path
) -> None:
    call_command("backup_cluster", cluster_a.schema_name, "--dir", str(tmp_path))
    dump = next(Path(tmp_path).glob("alpha-*.dump"))
    with pytest.raises(CommandError, match="содержит схемы \\['alpha'\\], а не «bkp»"):
        call_command("restore_cluster_backup", SLUG, "--file", str(dump))
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE  # nothing happened to it


def test_backup_refuses_unknown_and_archived_clusters(cluster: Cluster) -> None:
    with pytest.raises(CommandError, match="не найден"):
        call_command("backup_cluster", "nosuch")
    with pytest.raises(CommandError, match="Укажите коды кластеров или --all"):
        call_command("backup_cluster")
    Cluster.objects.filter(schema_name=SLUG).update(status=Cluster.Status.ARCHIVED)
    with pytest.raises(CommandError, match="Кластер в архиве"):
        call_command("backup_cluster", SLUG)
