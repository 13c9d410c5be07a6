"""python manage.py archive_cluster <slug> [--dir PATH]: dump the schema to a file, then drop it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.selectors import cluster_get_by_slug
from tenants.services import cluster_archive


class Command(BaseCommand):
    help = "Архивирует кластер: pg_dump его схемы в файл, затем удаление схемы."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--dir", default=None, help="папка для файла архива")

    def handle(self, *args: Any, **opts: Any) -> None:
        cluster = cluster_get_by_slug(slug=opts["slug"])
        if cluster is None:
            raise CommandError(f"Кластер «{opts['slug']}» не найден.")
        try:
            path = cluster_archive(cluster=cluster, directory=Path(opts["dir"]) if opts["dir"] else None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Кластер «{cluster.schema_name}» в архиве: {path}"))
