"""python manage.py backup_cluster <slug>... | --all [--dir PATH]: dump clusters without stopping them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clusterhub.backups import cluster_backup, media_archive_for
from tenants.models import Cluster
from tenants.selectors import cluster_get_by_slug


class Command(BaseCommand):
    help = (
        "Резервная копия кластера: pg_dump его схемы (и архив его файлов) без остановки и без "
        "удаления. Данные public-схемы (учётные записи, биллинг) — в копии всей базы."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="коды кластеров")
        parser.add_argument("--all", action="store_true", help="все кластеры, кроме архивных")
        parser.add_argument("--dir", default=None, help="папка для файлов (по умолчанию CLUSTER_BACKUP_DIR)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["all"] == bool(opts["slugs"]):
            raise CommandError("Укажите коды кластеров или --all.")
        if opts["all"]:
            clusters = list(Cluster.objects.exclude(status=Cluster.Status.ARCHIVED).order_by("schema_name"))
        else:
            clusters = []
            for slug in opts["slugs"]:
                cluster = cluster_get_by_slug(slug=slug)
                if cluster is None:
                    raise CommandError(f"Кластер «{slug}» не найден.")
                clusters.append(cluster)
        directory = Path(opts["dir"]) if opts["dir"] else None
        for cluster in clusters:
            try:
                dump = cluster_backup(cluster=cluster, directory=directory)
            except ValidationError as exc:
                raise CommandError(f"{cluster.schema_name}: {' '.join(exc.messages)}") from exc
            media = media_archive_for(dump)
            extra = f" и {media}" if media.exists() else " (файлов нет)"
            self.stdout.write(self.style.SUCCESS(f"Кластер «{cluster.schema_name}»: {dump}{extra}"))
