"""Prepare the demo: database, migrations, then clusterhub.demo (clusters, users, area data). Safe to rerun."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from clusterhub.demo import DEMO_PASSWORD, demo_setup
from clusterhub.env import ensure_database_exists


class Command(BaseCommand):
    help = "Готовит демо: база, миграции, четыре кластера из seeds, пользователи по ролям."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **opts: Any) -> None:
        if ensure_database_exists(settings.DATABASES["default"]):
            self.stdout.write("База данных создана.")
        call_command("migrate_schemas", interactive=False, verbosity=0)
        logins = demo_setup()
        port = opts["port"]
        base = settings.BASE_DOMAIN
        self.stdout.write(self.style.SUCCESS("\nclusterhub demo готово."))
        self.stdout.write(f"  Платформа:       http://{base}:{port}/   (API: http://{base}:{port}/api/docs/)")
        for slug in ("mosreg", "technopolis", "nso", "bashkortostan"):
            self.stdout.write(f"  Кластер {slug:<13} http://{slug}.{base}:{port}/")
        self.stdout.write(f"\n  Логины (пароль для всех: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"    {login.email:<30} {login.role:<40} {login.where}")
            if login.note:
                self.stdout.write(f"    {'':<30} {login.note}")
        self.stdout.write("")
