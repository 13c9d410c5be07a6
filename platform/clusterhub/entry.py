"""How every entry point (manage.py, wsgi, asgi, the Celery app) chooses its settings module,
failing closed in production.

Development keeps its convenience: with nothing set, `clusterhub.settings.local`. A production
process is marked by CLUSTERHUB_ENV=production (the image and the manifests set it): there the
settings module must be named explicitly and must not be a development one, otherwise the
process refuses to start instead of coming up with DEBUG, the embedded database and a demo key.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from django.core.exceptions import ImproperlyConfigured

DEV_SETTINGS = "clusterhub.settings.local"
DEV_ONLY = frozenset({"clusterhub.settings.local", "clusterhub.settings.test"})


def is_production(environ: MutableMapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return environ.get("CLUSTERHUB_ENV", "").strip().lower() == "production"


def settings_module(environ: MutableMapping[str, str] | None = None) -> str:
    """The settings module this process must use (ImproperlyConfigured when it may not start)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("DJANGO_SETTINGS_MODULE", "").strip()
    if not is_production(environ):
        return chosen or DEV_SETTINGS
    if not chosen:
        raise ImproperlyConfigured(
            "CLUSTERHUB_ENV=production but DJANGO_SETTINGS_MODULE is not set: name the settings "
            "explicitly (clusterhub.settings.production); refusing to start with development settings."
        )
    if chosen in DEV_ONLY:
        raise ImproperlyConfigured(f"CLUSTERHUB_ENV=production refuses the development settings {chosen}.")
    return chosen


def configure(environ: MutableMapping[str, str] | None = None) -> str:
    """Put the chosen module into DJANGO_SETTINGS_MODULE (every entry point calls this first)."""
    environ = os.environ if environ is None else environ
    module = settings_module(environ)
    environ["DJANGO_SETTINGS_MODULE"] = module
    return module
