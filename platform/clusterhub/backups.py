"""Backup and restore of ONE cluster while the platform keeps running.

A backup is two files with one stamp in CLUSTER_BACKUP_DIR (or the given folder):
``<slug>-<stamp>.dump`` (pg_dump, custom format, of the cluster's schema: a consistent
snapshot taken without stopping anything) and, when the cluster has uploaded files,
``<slug>-<stamp>.media.tar.gz`` (its folder MEDIA_ROOT/clusters/<slug>/).

Restore puts the cluster back to that state: the cluster is suspended (its hosts answer
403) while the current schema is renamed to ``<slug>_before_restore_<stamp>``, the dump
is restored in one transaction, migrations the dump lacks are applied, the media folder
is swapped the same way, and the cluster gets its previous status back. If the restore
fails, the renamed schema and folder are put back. The previous schema and folder stay
for inspection unless ``drop_previous``.

What a cluster backup does NOT hold: rows in the public schema (the Cluster and Domain
rows, user accounts and grants, billing). Those are in the whole-database backup
(deploy/README.md, "Backups").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists
from psycopg2 import sql

from clusterhub.schema_migrate import migrate_schema
from tenants import schemas
from tenants.models import Cluster
from tenants.selectors import forget_cluster_hosts

logger = logging.getLogger(__name__)

MEDIA_SUFFIX = ".media.tar.gz"


def _stamp() -> str:
    return timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def backup_dir() -> Path:
    """settings.CLUSTER_BACKUP_DIR (production: CLUSTERHUB_BACKUP_DIR), else .local/backups."""
    default = Path(settings.BASE_DIR) / ".local" / "backups"
    return Path(getattr(settings, "CLUSTER_BACKUP_DIR", default))


def cluster_media_dir(slug: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "clusters" / slug


def media_archive_for(dump: Path) -> Path:
    return dump.with_name(dump.name.removesuffix(".dump") + MEDIA_SUFFIX)


def cluster_backup(*, cluster: Cluster, directory: Path | None = None) -> Path:
    """Dump the cluster's schema (and tar its media folder); nothing is stopped or dropped."""
    if cluster.status == Cluster.Status.ARCHIVED:
        raise ValidationError("Кластер в архиве: его данные уже в файле архива "
                              f"{cluster.archive_path or '(не указан)'}.")
    directory = Path(directory or backup_dir())
    dump = schemas.schema_dump(name=cluster.schema_name,
                               path=directory / f"{cluster.schema_name}-{_stamp()}.dump")
    media = cluster_media_dir(cluster.schema_name)
    if media.is_dir():
        with tarfile.open(media_archive_for(dump), "w:gz") as tar:
            tar.add(media, arcname=".")
    logger.info("cluster %s backed up to %s", cluster.schema_name, dump)
    return dump


def dump_schema_names(path: Path) -> set[str]:
    """The schemas a custom-format dump creates (from pg_restore --list)."""
    listing = subprocess.run(  # noqa: S603
        [schemas.pg_tool("pg_restore"), "--list", str(path)],
        check=True, capture_output=True, text=True, timeout=600,
    ).stdout
    return set(re.findall(r"^\d+; \d+ \d+ SCHEMA - (\S+)", listing, flags=re.MULTILINE))


def _rename_schema(old: str, new: str) -> None:
    with connection.cursor() as cur:
        cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))


def _set_status(cluster: Cluster, status: str) -> None:
    with transaction.atomic():
        Cluster.objects.filter(pk=cluster.pk).update(status=status)
    cluster.status = status
    forget_cluster_hosts(cluster=cluster)


def cluster_restore_backup(*, cluster: Cluster, path: Path, drop_previous: bool = False) -> str:
    """Replace the cluster's schema (and media) with a cluster_backup(). Returns the name the
    previous schema was kept under (already dropped when drop_previous)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"Файл резервной копии не найден: {path}")
    if cluster.status == Cluster.Status.ARCHIVED:
        raise ValidationError("Кластер в архиве: восстановите его командой restore_cluster.")
    slug = cluster.schema_name
    found = dump_schema_names(path)
    if found != {slug}:
        raise ValidationError(f"Файл {path.name} содержит схемы {sorted(found) or '—'}, а не «{slug}».")

    stamp = _stamp().lower()
    previous = f"{slug}_before_restore_{stamp}"
    status = cluster.status
    media, media_archive = cluster_media_dir(slug), media_archive_for(path)
    previous_media = media.with_name(f"{slug}.before-restore-{stamp}")
    _set_status(cluster, Cluster.Status.SUSPENDED)
    try:
        if schema_exists(slug):
            _rename_schema(slug, previous)
        try:
            schemas.schema_restore(path=path)
        except subprocess.CalledProcessError as exc:
            if schema_exists(previous) and not schema_exists(slug):
                _rename_schema(previous, slug)
            detail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise ValidationError(f"pg_restore не смог восстановить схему: {detail[0]}") from exc
        result = migrate_schema(slug)
        if not result.ok:
            schemas.schema_drop(name=slug)
            if schema_exists(previous):
                _rename_schema(previous, slug)
            raise ValidationError("Миграции восстановленной схемы не применились; схема возвращена "
                                  f"как была: {result.error}")
        if media.is_dir():
            media.rename(previous_media)
        if media_archive.is_file():
            media.mkdir(parents=True)
            with tarfile.open(media_archive, "r:gz") as tar:
                tar.extractall(media, filter="data")
    finally:
        _set_status(cluster, status)
    if drop_previous:
        schemas.schema_drop(name=previous)
        shutil.rmtree(previous_media, ignore_errors=True)
    logger.info("cluster %s restored from %s (previous schema: %s)", slug, path, previous)
    return previous
