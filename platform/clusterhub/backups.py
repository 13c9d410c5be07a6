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

Public rows point INTO the schema by company id: a representative's grant and every invoice.
Restoring only the schema would leave them pointing at ids the backup does not have (or has
for another company), and the company sequence, rolled back with the schema, would hand those
ids to the next companies created: a representative or an invoice would silently belong to a
different company. So after the dump is restored, before the cluster opens again, each
referenced company is compared with the one the restored schema has under that id (INN and
creation time):

- by default the restore is REFUSED on any difference (the previous schema is put back) and
  the error lists the grants and invoices concerned;
- with ``reconcile`` a reference is re-mapped to the restored company with the same INN; a
  reference to a company the backup never had is parked: it keeps its id and the schema's
  company sequence is moved past every referenced id, so no new company can take it. A
  reference whose id now names ANOTHER company and that no INN can re-map still refuses.

Either way the sequence is moved past every id the public schema refers to.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists
from psycopg2 import sql

from billing.models import Invoice
from clusterhub.schema_migrate import migrate_schema
from core.accounts.models import Grant
from core.audit.services import Actor, audit_record
from tenants import schemas
from tenants.members.models import Company
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
        raise ValidationError(
            f"Кластер в архиве: его данные уже в файле архива {cluster.archive_path or '(не указан)'}."
        )
    directory = Path(directory or backup_dir())
    dump = schemas.schema_dump(
        name=cluster.schema_name, path=directory / f"{cluster.schema_name}-{_stamp()}.dump"
    )
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
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
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


CompanyKey = tuple[str, dt.datetime]


@dataclass
class CompanyRefs:
    """What the public schema says about the companies of one cluster."""

    grants: dict[int, list[Grant]] = field(default_factory=dict)
    invoices: dict[int, list[Invoice]] = field(default_factory=dict)

    @property
    def ids(self) -> set[int]:
        return set(self.grants) | set(self.invoices)

    def describe(self, company_id: int) -> str:
        parts = [f"представитель {g.user.email}" for g in self.grants.get(company_id, [])]
        parts += [f"счёт № {i.number}" for i in self.invoices.get(company_id, [])]
        return f"организация № {company_id}: " + ", ".join(parts)


def company_refs(cluster: Cluster) -> CompanyRefs:
    refs = CompanyRefs()
    for grant in Grant.objects.filter(cluster=cluster, company_id__isnull=False).select_related("user"):
        refs.grants.setdefault(int(grant.company_id or 0), []).append(grant)
    for invoice in Invoice.objects.filter(cluster=cluster).only("pk", "number", "company_id", "company_inn"):
        refs.invoices.setdefault(invoice.company_id, []).append(invoice)
    return refs


def _companies(schema: str, ids: set[int]) -> dict[int, CompanyKey]:
    if not ids or not schema_exists(schema):
        return {}
    with schema_context(schema):
        return {
            pk: (inn, created)
            for pk, inn, created in Company.objects.filter(pk__in=ids).values_list("pk", "inn", "created_at")
        }


def _by_inn(schema: str) -> dict[str, int]:
    with schema_context(schema):
        rows = Company.objects.exclude(inn="").values_list("inn", "pk")
        found: dict[str, list[int]] = {}
        for inn, pk in rows:
            found.setdefault(inn, []).append(pk)
    return {inn: pks[0] for inn, pks in found.items() if len(pks) == 1}


@dataclass
class Reconciliation:
    remap: dict[int, int] = field(default_factory=dict)  # old company id → restored company id
    parked: set[int] = field(default_factory=set)  # referenced ids the backup has no company for
    refused: list[str] = field(default_factory=list)


def restore_reconcile_plan(
    *, cluster: Cluster, refs: CompanyRefs, previous: str, restored: str, reconcile: bool
) -> Reconciliation:
    """Compare each company the public rows refer to, before and after the restore."""
    ids = refs.ids
    before, after = _companies(previous, ids), _companies(restored, ids)
    inns = _by_inn(restored) if reconcile else {}
    plan = Reconciliation()
    for company_id in sorted(ids):
        old, new = before.get(company_id), after.get(company_id)
        if old is not None and old == new:
            continue  # the same company under the same id
        inn = (
            old[0]
            if old
            else next((i.company_inn for i in refs.invoices.get(company_id, []) if i.company_inn), "")
        )
        if old is None and new is not None and inn and new[0] == inn and company_id not in refs.grants:
            continue  # an invoice of a company deleted since the backup: the backup has it back
        target = inns.get(inn) if inn else None
        if reconcile and target is not None:
            if target != company_id:
                plan.remap[company_id] = target
            continue
        if reconcile and new is None:
            plan.parked.add(company_id)
            continue
        what = (
            "в копии её нет"
            if new is None
            else "в копии под этим номером другая организация"
            if old is not None
            else "её нет сейчас, а в копии под этим номером организация"
        )
        plan.refused.append(f"{refs.describe(company_id)} — {what}")
    return plan


def _reconcile_apply(*, cluster: Cluster, refs: CompanyRefs, plan: Reconciliation, schema: str) -> None:
    """Re-map references (audited) and move the company sequence past every referenced id."""
    actor = Actor.system(cluster)
    with transaction.atomic():
        for old, new in plan.remap.items():
            for grant in refs.grants.get(old, []):
                Grant.objects.filter(pk=grant.pk).update(company_id=new)
                audit_record(
                    actor=actor,
                    action="backup.grant_company_remap",
                    obj=grant,
                    changes={"company_id": [old, new]},
                )
            for invoice in refs.invoices.get(old, []):
                Invoice.objects.filter(pk=invoice.pk).update(company_id=new)
                audit_record(
                    actor=actor,
                    action="backup.invoice_company_remap",
                    obj=invoice,
                    changes={"company_id": [old, new]},
                )
        for company_id in sorted(plan.parked):
            for row in [*refs.grants.get(company_id, []), *refs.invoices.get(company_id, [])]:
                audit_record(
                    actor=actor,
                    action="backup.company_parked",
                    obj=row,
                    changes={"company_id": [company_id, company_id]},
                )
    company_sequence_past(schema=schema, at_least=max(refs.ids, default=0))


def company_sequence_past(*, schema: str, at_least: int) -> None:
    """The schema's company id sequence continues after `at_least` (and after its own rows)."""
    table = f"{schema}.{Company._meta.db_table}"
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "GREATEST(%s, (SELECT COALESCE(max(id), 0) FROM {}.{})) + 1, false)"
            ).format(sql.Identifier(schema), sql.Identifier(Company._meta.db_table)),
            [table, at_least],
        )


def cluster_restore_backup(
    *, cluster: Cluster, path: Path, drop_previous: bool = False, reconcile: bool = False
) -> str:
    """Replace the cluster's schema (and media) with a cluster_backup(). Returns the name the
    previous schema was kept under (already dropped when drop_previous). Public rows that point
    into the schema (grants, invoices by company id) are checked: a difference refuses the
    restore, or with `reconcile` is re-mapped by INN / parked (see the module's docstring)."""
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
            raise ValidationError(
                f"Миграции восстановленной схемы не применились; схема возвращена как была: {result.error}"
            )
        refs = company_refs(cluster)
        plan = restore_reconcile_plan(
            cluster=cluster, refs=refs, previous=previous, restored=slug, reconcile=reconcile
        )
        if plan.refused:
            schemas.schema_drop(name=slug)
            if schema_exists(previous):
                _rename_schema(previous, slug)
            raise ValidationError(
                "Восстановление отменено, схема возвращена как была: записи общей схемы ссылаются на "
                "организации, которых в копии нет или которые в ней другие — "
                + "; ".join(plan.refused)
                + ". Запустите с --reconcile, чтобы сопоставить их по ИНН и отложить остальные."
            )
        _reconcile_apply(cluster=cluster, refs=refs, plan=plan, schema=slug)
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
    logger.info(
        "cluster %s restored from %s (previous schema: %s; re-mapped %s, parked %s)",
        slug,
        path,
        previous,
        plan.remap,
        sorted(plan.parked),
    )
    return previous
