"""Writes on clusters: provision (clone), suspend, resume, archive, restore, add a domain."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_exists

from core.queue import enqueue_on_commit

from . import schemas
from .models import Cluster, Domain
from .selectors import forget_cluster_hosts, forget_host

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z][a-z0-9]{1,29}$")
HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def validate_slug(slug: str) -> None:
    if not SLUG_RE.match(slug):
        raise ValidationError(
            {
                "slug": "Код кластера: от 2 до 30 строчных латинских букв и цифр, начиная с буквы "
                "(например, mosreg)."
            }
        )
    if slug in settings.RESERVED_CLUSTER_SLUGS:
        raise ValidationError({"slug": f"Код «{slug}» зарезервирован платформой, выберите другой."})
    if Cluster.objects.filter(schema_name=slug).exists() or schema_exists(slug):
        raise ValidationError({"slug": f"Кластер с кодом «{slug}» уже существует."})


def validate_domain(domain: str) -> None:
    if domain in settings.PUBLIC_HOSTS:
        raise ValidationError({"domain": f"Домен «{domain}» принадлежит самой платформе."})
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(HOST_LABEL_RE.match(label) for label in labels):
        raise ValidationError({"domain": f"«{domain}» не является корректным именем хоста."})
    if labels[0] in settings.RESERVED_CLUSTER_SLUGS:
        raise ValidationError({"domain": f"Поддомен «{labels[0]}» зарезервирован платформой."})
    if Domain.objects.filter(domain=domain).exists():
        raise ValidationError({"domain": f"Домен «{domain}» уже занят другим кластером."})


def _forget_after_change(forget: Callable[[], None]) -> None:
    """Drop cached host routing now and again after commit (a request may re-cache the
    old state between the two)."""
    forget()
    transaction.on_commit(forget)


def _cluster_candidate(
    *,
    slug: str,
    name: str,
    region_codes: list[str],
    short_name: str = "",
    kind: str | None = None,
    base_territory: str = "",
    specialized_organization: str = "",
    founded_on: dt.date | None = None,
    time_zone: str = "Europe/Moscow",
    domain: str | None = None,
    status: str = Cluster.Status.ACTIVE,
) -> tuple[Cluster, str]:
    """The unsaved cluster and its primary domain, or every error of the input at once."""
    slug = (slug or "").strip()
    domain = (domain or f"{slug}.{settings.BASE_DOMAIN}").strip().lower()
    errors: dict[str, Any] = {}
    for check, value in ((validate_slug, slug), (validate_domain, domain)):
        try:
            check(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    region_codes = [code.strip().upper() for code in region_codes if code.strip()]
    cluster = Cluster(
        schema_name=slug,
        name=(name or "").strip(),
        short_name=short_name.strip(),
        region_codes=region_codes,
        kind=kind or (Cluster.Kind.INTERREGIONAL if len(region_codes) > 1 else Cluster.Kind.REGIONAL),
        base_territory=base_territory,
        specialized_organization=specialized_organization,
        founded_on=founded_on,
        time_zone=time_zone,
        status=status,
    )
    try:
        cluster.full_clean(exclude=["schema_name"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cluster, domain


def cluster_check(fields: dict[str, Any]) -> None:
    """The errors `cluster_provision` would raise for these fields (all at once), creating
    nothing; fields not given count as empty (a form passes what it could parse)."""
    _cluster_candidate(
        **{"slug": "", "name": "", "region_codes": [], **{k: v for k, v in fields.items() if v is not None}}
    )


def cluster_provision(
    *,
    slug: str,
    name: str,
    region_codes: list[str],
    short_name: str = "",
    kind: str | None = None,
    base_territory: str = "",
    specialized_organization: str = "",
    founded_on: dt.date | None = None,
    time_zone: str = "Europe/Moscow",
    domain: str | None = None,
    status: str = Cluster.Status.ACTIVE,
) -> Cluster:
    """Create a cluster: its row, its primary domain and its schema, all or nothing.

    A cluster created for a new admin (tenants.onboarding) starts «в подготовке» (PREPARING)."""
    cluster, domain = _cluster_candidate(
        slug=slug,
        name=name,
        region_codes=region_codes,
        short_name=short_name,
        kind=kind,
        base_territory=base_territory,
        specialized_organization=specialized_organization,
        founded_on=founded_on,
        time_zone=time_zone,
        domain=domain,
        status=status,
    )
    slug = cluster.schema_name

    with transaction.atomic():
        cluster.save()
        Domain.objects.create(domain=domain, tenant=cluster, is_primary=True)
        schemas.schema_clone_from_template(target=slug)
    _forget_after_change(lambda: forget_host(hostname=domain))
    enqueue_on_commit("tenants.spare_schemas_refill")
    logger.info("cluster %s provisioned", slug)
    return cluster


def cluster_add_domain(*, cluster: Cluster, domain: str, is_primary: bool = False) -> Domain:
    domain = domain.strip().lower()
    validate_domain(domain)
    with transaction.atomic():
        if is_primary:
            cluster.domains.update(is_primary=False)
        created = Domain.objects.create(domain=domain, tenant=cluster, is_primary=is_primary)
    _forget_after_change(lambda: forget_host(hostname=domain))
    return created


def _set_status(cluster: Cluster, status: str) -> Cluster:
    cluster.status = status
    cluster.save(update_fields=["status"])
    _forget_after_change(lambda: forget_cluster_hosts(cluster=cluster))
    return cluster


def cluster_suspend(*, cluster: Cluster) -> Cluster:
    return _set_status(cluster, Cluster.Status.SUSPENDED)


def cluster_resume(*, cluster: Cluster) -> Cluster:
    if cluster.status == Cluster.Status.ARCHIVED:
        raise ValidationError("Кластер в архиве: сначала восстановите его из архива.")
    return _set_status(cluster, Cluster.Status.ACTIVE)


def cluster_archive(*, cluster: Cluster, directory: Path | None = None) -> Path:
    """Dump the cluster's schema to a file, then drop the schema. The row stays."""
    if cluster.status == Cluster.Status.ARCHIVED:
        raise ValidationError("Кластер уже в архиве.")
    directory = Path(directory or settings.CLUSTER_ARCHIVE_DIR)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    path = schemas.schema_dump(
        name=cluster.schema_name, path=directory / f"{cluster.schema_name}-{stamp}.dump"
    )
    with transaction.atomic():
        cluster.archive_path = str(path)
        cluster.status = Cluster.Status.ARCHIVED
        cluster.save(update_fields=["archive_path", "status"])
        schemas.schema_drop(name=cluster.schema_name)
    _forget_after_change(lambda: forget_cluster_hosts(cluster=cluster))
    return path


def cluster_restore(*, cluster: Cluster, path: Path | None = None) -> Cluster:
    """Recreate an archived cluster's schema from its dump and make it active again."""
    source = Path(path or cluster.archive_path)
    if not source.is_file():
        raise ValidationError(f"Файл архива не найден: {source}")
    if schema_exists(cluster.schema_name):
        raise ValidationError(f"Схема «{cluster.schema_name}» уже существует: восстановление отменено.")
    schemas.schema_restore(path=source)
    with transaction.atomic():
        cluster.status = Cluster.Status.ACTIVE
        cluster.save(update_fields=["status"])
    _forget_after_change(lambda: forget_cluster_hosts(cluster=cluster))
    return cluster
