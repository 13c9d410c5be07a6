"""Tests: DATABASE_URL, else the server on 127.0.0.1:5432, else embedded PostgreSQL."""

import hashlib
import os

from clusterhub.env import ROOT_DIR, database_config

from .base import *  # noqa: F403

DEBUG = False
# One database name per checkout, so two clones on one server never share a test database.
_checkout = hashlib.sha1(str(ROOT_DIR).encode(), usedforsecurity=False).hexdigest()[:8]
DATABASES = {"default": database_config(prefer_local_server=True, name=f"clusterhub_{_checkout}")}
ALLOWED_HOSTS = [".localhost", "localhost", "127.0.0.1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AUTH_PASSWORD_VALIDATORS = []
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = ""
# One folder per pytest-xdist worker (PYTEST_XDIST_WORKER: gw0, gw1, …): both have a cluster "alpha".
CLUSTER_ARCHIVE_DIR = BASE_DIR / ".local" / "test-archives" / os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
# Static files straight from the apps (no collectstatic needed).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
# Tests sign in through the login form with the password; tests of two-factor sign-in turn
# enforcement on (tests/accounts/test_two_factor.py).
TWO_FACTOR_ENFORCE = False
