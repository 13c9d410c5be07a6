"""python manage.py create_cluster --slug nso --name "…" --region RU-NVS [--domain nso.localhost]"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import cluster_provision


class Command(BaseCommand):
    help = "Создаёт кластер: строку, домен и схему (копия шаблонной схемы)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="код кластера = имя схемы = поддомен")
        parser.add_argument("--name", required=True, help="полное наименование")
        parser.add_argument("--short-name", default="")
        parser.add_argument(
            "--region",
            action="append",
            required=True,
            dest="regions",
            help="код региона ISO 3166-2:RU; повторите для межрегионального кластера",
        )
        parser.add_argument("--domain", default=None, help="по умолчанию <slug>.<базовый домен>")
        parser.add_argument("--base-territory", default="")
        parser.add_argument("--specialized-organization", default="")
        parser.add_argument("--founded-on", default=None, help="ГГГГ-ММ-ДД")
        parser.add_argument("--time-zone", default="Europe/Moscow")

    def handle(self, *args: Any, **opts: Any) -> None:
        founded = None
        if opts["founded_on"]:
            try:
                founded = dt.date.fromisoformat(opts["founded_on"])
            except ValueError as exc:
                raise CommandError("--founded-on: ожидается дата в формате ГГГГ-ММ-ДД") from exc
        started = time.perf_counter()
        try:
            cluster = cluster_provision(
                slug=opts["slug"],
                name=opts["name"],
                short_name=opts["short_name"],
                region_codes=opts["regions"],
                domain=opts["domain"],
                base_territory=opts["base_territory"],
                specialized_organization=opts["specialized_organization"],
                founded_on=founded,
                time_zone=opts["time_zone"],
            )
        except ValidationError as exc:
            lines = [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
            raise CommandError("Кластер не создан.\n" + "\n".join(lines)) from exc
        elapsed = (time.perf_counter() - started) * 1000
        domain = cluster.domains.get(is_primary=True).domain
        self.stdout.write(self.style.SUCCESS(f"Кластер «{cluster.name}» создан: {domain} ({elapsed:.0f} мс)"))
