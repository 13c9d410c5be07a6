"""python manage.py restore_cluster_backup <slug> --file PATH [--drop-previous] [--reconcile]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clusterhub.backups import cluster_restore_backup
from tenants.selectors import cluster_get_by_slug


class Command(BaseCommand):
    help = (
        "Возвращает кластер к резервной копии backup_cluster: текущая схема сохраняется под "
        "именем <код>_before_restore_<время>, кластер на время восстановления приостановлен."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--file", required=True, help="файл <код>-<время>.dump")
        parser.add_argument(
            "--drop-previous",
            action="store_true",
            help="удалить прежнюю схему и прежние файлы после успешного восстановления",
        )
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="представителей и счета, ссылающиеся на организации, которых в копии нет "
            "или которые в ней другие, сопоставить по ИНН, остальные отложить "
            "(без этого флага такое восстановление отменяется)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        cluster = cluster_get_by_slug(slug=opts["slug"])
        if cluster is None:
            raise CommandError(f"Кластер «{opts['slug']}» не найден.")
        try:
            previous = cluster_restore_backup(
                cluster=cluster,
                path=Path(opts["file"]),
                drop_previous=opts["drop_previous"],
                reconcile=opts["reconcile"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        kept = "удалена" if opts["drop_previous"] else f"сохранена как {previous}"
        self.stdout.write(
            self.style.SUCCESS(f"Кластер «{cluster.schema_name}» восстановлен; прежняя схема {kept}.")
        )
