"""python manage.py restore_cluster <slug> [--file PATH]: recreate the schema from its dump."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.selectors import cluster_get_by_slug
from tenants.services import cluster_restore


class Command(BaseCommand):
    help = "Восстанавливает кластер из файла архива."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--file", default=None, help="по умолчанию — последний архив кластера")

    def handle(self, *args: Any, **opts: Any) -> None:
        cluster = cluster_get_by_slug(slug=opts["slug"])
        if cluster is None:
            raise CommandError(f"Кластер «{opts['slug']}» не найден.")
        try:
            cluster_restore(cluster=cluster, path=Path(opts["file"]) if opts["file"] else None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Кластер «{cluster.schema_name}» восстановлен."))
