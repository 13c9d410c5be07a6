"""Demo and development: embedded PostgreSQL unless DATABASE_URL is set."""

from django.core.exceptions import ImproperlyConfigured

from clusterhub.entry import is_production
from clusterhub.env import database_config, env_bool

if is_production():  # a production process never runs with DEBUG, the embedded database, demo passwords
    raise ImproperlyConfigured("clusterhub.settings.local refuses to load with CLUSTERHUB_ENV=production.")

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
DATABASES = {"default": database_config()}
if DEBUG:  # the browsable API for development only (production answers JSON)
    REST_FRAMEWORK = {
        **REST_FRAMEWORK,  # noqa: F405
        "DEFAULT_RENDERER_CLASSES": [
            "rest_framework.renderers.JSONRenderer",
            "rest_framework.renderers.BrowsableAPIRenderer",
        ],
    }
# Demo only: the README's demo logins use one short password.
AUTH_PASSWORD_VALIDATORS = []
# Static files straight from the apps (no collectstatic needed).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
# Demo only: the documented demo logins sign in with the password alone (README «Two-factor
# sign-in»); secure@ministry.demo has TOTP enrolled and is always asked.
TWO_FACTOR_ENFORCE = False
