"""python manage.py warehouse_rebuild [slug ...] [--no-live] [--no-facts]: recompute the federal warehouse."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.federal.warehouse import warehouse_rebuild


class Command(BaseCommand):
    help = (
        "Пересчитать хранилище федеральных данных из данных кластеров: текущие показатели и "
        "проверки реестра каждого кластера (в его схеме) и показатели всех отправленных отчётов."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="коды кластеров (по умолчанию все, кроме архивных)")
        parser.add_argument("--no-live", action="store_true", help="не пересчитывать текущие показатели")
        parser.add_argument("--no-facts", action="store_true", help="не пересобирать показатели отчётов")

    def handle(self, *args: Any, **opts: Any) -> None:
        verbose = opts["verbosity"] >= 2
        try:
            result = warehouse_rebuild(
                slugs=opts["slugs"] or None,
                live=not opts["no_live"],
                facts=not opts["no_facts"],
                progress=self.stdout.write if verbose else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Кластеров пересчитано: {result.clusters} за {result.refresh_seconds:.2f} с; "
            f"отчётов: {result.reports}, показателей: {result.facts} за {result.facts_seconds:.2f} с; "
            f"всего {result.seconds:.2f} с."
        )
        for slug, error in sorted(result.failed.items()):
            self.stderr.write(f"Кластер «{slug}»: ошибка {error}")
        if result.failed:
            raise CommandError(f"Не удалось пересчитать кластеров: {len(result.failed)}.")
