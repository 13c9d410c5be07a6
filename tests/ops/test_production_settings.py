"""clusterhub.settings.production: secrets only from the environment, safe defaults otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clusterhub.security import policy_header_value

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"
REQUIRED = {
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DATABASE_URL": "postgres://u:p@db.internal:5432/clusterhub",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CLUSTERHUB_BASE_DOMAIN": "clusterhub.example.ru",
    "BILLING_SECRETS_KEY": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
}
PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG, "ALLOWED_HOSTS": settings.ALLOWED_HOSTS, "PUBLIC_HOSTS": settings.PUBLIC_HOSTS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE, "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE, "CSRF_COOKIE_HTTPONLY": settings.CSRF_COOKIE_HTTPONLY,
    "HSTS": settings.SECURE_HSTS_SECONDS, "HSTS_SUB": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SSL_REDIRECT": settings.SECURE_SSL_REDIRECT, "PROXY": list(settings.SECURE_PROXY_SSL_HEADER),
    "MIDDLEWARE": settings.MIDDLEWARE[:5], "CSP": settings.CONTENT_SECURITY_POLICY,
    "STATIC": settings.STORAGES["staticfiles"]["BACKEND"], "MEDIA": settings.STORAGES["default"]["BACKEND"],
    "DB_HOST": settings.DATABASES["default"]["HOST"], "EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "LOG_FORMATTER": settings.LOGGING["formatters"]["json"]["()"],
    "CONNECT_RETRY": settings.DATABASE_CONNECT_RETRY_SECONDS,
}))
"""


def _run(env_overrides: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CLUSTERHUB_", "CELERY_", "SENTRY_", "METRICS_"))
        and k != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "clusterhub.settings.production",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
        }
    )
    for key, value in {**REQUIRED, **env_overrides}.items():
        if value is not None:
            env[key] = value
    code = "import django; django.setup()\n" + PRINT_SETTINGS
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CLUSTERHUB_BASE_DOMAIN",
        "BILLING_SECRETS_KEY",
    ],
)
def test_production_refuses_to_start_without_a_required_variable(missing: str) -> None:
    result = _run({missing: None})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Environment variable {missing} is required" in result.stderr


@pytest.mark.parametrize("key", ["insecure-demo-key-change-me", "short", "a" * 60])
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    result = _run({"DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_production_settings_when_everything_is_given() -> None:
    result = _run({})
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout.strip().splitlines()[-1])
    assert s["DEBUG"] is False
    assert s["ALLOWED_HOSTS"] == ["clusterhub.example.ru", ".clusterhub.example.ru"]
    assert s["PUBLIC_HOSTS"] == ["clusterhub.example.ru", "www.clusterhub.example.ru"]
    assert s["SESSION_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["CSRF_COOKIE_SECURE"] and s["CSRF_COOKIE_HTTPONLY"]
    assert s["HSTS"] == 31536000 and s["HSTS_SUB"] is True
    assert s["SSL_REDIRECT"] is True
    assert s["PROXY"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["MIDDLEWARE"] == [
        "clusterhub.observability.RequestObservabilityMiddleware",
        "clusterhub.ops.OpsEndpointsMiddleware",
        "clusterhub.security.ContentSecurityPolicyMiddleware",
        "clusterhub.request_checks.QueryControlCharactersMiddleware",
        "tenants.middleware.ClusterRoutingMiddleware",
    ]
    assert s["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert s["MEDIA"] == "clusterhub.storage.ClusterMediaStorage"
    assert s["DB_HOST"] == "db.internal"
    assert s["EAGER"] is False
    assert s["LOG_FORMATTER"] == "clusterhub.observability.JsonFormatter"
    policy = policy_header_value(s["CSP"])
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy  # no inline <script>
    assert "'unsafe-inline'" not in policy  # no inline handlers or styles (frontend/page.js)
    assert "script-src-attr 'none'" in policy and "style-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy


def test_extra_allowed_hosts_for_a_clusters_own_domain() -> None:
    result = _run({"DJANGO_ALLOWED_HOSTS": "cluster.mosreg.ru, www.cluster.mosreg.ru"})
    assert result.returncode == 0, result.stderr
    hosts = json.loads(result.stdout.strip().splitlines()[-1])["ALLOWED_HOSTS"]
    assert hosts == [
        "clusterhub.example.ru",
        ".clusterhub.example.ru",
        "cluster.mosreg.ru",
        "www.cluster.mosreg.ru",
    ]
