"""Demo: point the local YooKassa server's notifications at this server once both run (it keeps
them in memory only). `make demo` starts the local server, then this, then the web server."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from billing.demo import yookassa_notifications_register
from clusterhub.env import tcp_reachable


class Command(BaseCommand):
    help = "Регистрирует в локальном сервере ЮKassa адреса уведомлений кластеров (только демо и тесты)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--wait", type=float, default=20.0, help="seconds to wait for the local server")

    def handle(self, *args: Any, **opts: Any) -> None:
        api = urlsplit(settings.YOOKASSA_API_BASE)
        deadline = time.monotonic() + opts["wait"]
        while (
            api.hostname and not tcp_reachable(api.hostname, api.port or 80) and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        count = yookassa_notifications_register(public_url=f"http://{settings.BASE_DOMAIN}:{opts['port']}")
        self.stdout.write(f"yookassa_local: {count} notification URL(s) registered.")
