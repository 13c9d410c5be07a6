"""Production: secrets only from the environment, no defaults (deploy/README.md lists them).

Required: DJANGO_SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL, CLUSTERHUB_BASE_DOMAIN,
BILLING_SECRETS_KEY.
Importing this module without them raises ImproperlyConfigured, so no process starts
half-configured.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from clusterhub.env import ROOT_DIR, database_config, env_bool, env_list, env_str
from clusterhub.ops import OPS_MIDDLEWARE

from .base import *  # noqa: F403
from .base import MIDDLEWARE

DEBUG = False

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 40 or SECRET_KEY.startswith("insecure-") or len(set(SECRET_KEY)) < 10:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: use at least 40 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
# Old keys still accepted for sessions/signatures while rotating (comma-separated).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])

# Payee secrets (Stripe keys, webhook secrets, YooKassa keys) are encrypted with their own key,
# never one derived from SECRET_KEY: comma-separated Fernet keys, the first encrypts
# (python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())').
BILLING_SECRETS_KEY = env_str("BILLING_SECRETS_KEY")
try:
    from cryptography.fernet import Fernet

    for _key in [k.strip() for k in BILLING_SECRETS_KEY.split(",") if k.strip()] or [""]:
        Fernet(_key.encode())
except ValueError as exc:
    raise ImproperlyConfigured(
        "BILLING_SECRETS_KEY must be Fernet keys (32 url-safe base64 bytes), comma-separated."
    ) from exc

env_str("DATABASE_URL")  # required: database_config() would otherwise fall back to embedded PostgreSQL
DATABASES = {"default": database_config()}
DATABASES["default"]["CONN_MAX_AGE"] = int(env_str("DJANGO_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A failed connect is tried again for this long (clusterhub/postgresql_backend): it bridges
# pgbouncer's server_login_retry (0.25 s in deploy/) after PostgreSQL is back.
DATABASE_CONNECT_RETRY_SECONDS = float(env_str("DATABASE_CONNECT_RETRY_SECONDS", "1"))

# Clusters on <slug>.<base>; the platform on <base> and www.<base>. Extra hosts (a cluster's
# own domain outside the base domain) come from DJANGO_ALLOWED_HOSTS.
BASE_DOMAIN = env_str("CLUSTERHUB_BASE_DOMAIN")
PUBLIC_HOSTS = env_list("CLUSTERHUB_PUBLIC_HOSTS", [BASE_DOMAIN, f"www.{BASE_DOMAIN}"])
CLUSTERHUB_PLATFORM_URL = env_str("CLUSTERHUB_PLATFORM_URL", f"https://{BASE_DOMAIN}")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env_list("DJANGO_ALLOWED_HOSTS", [])]

# TLS ends at nginx / the ingress, which sets X-Forwarded-Proto and appends the client to
# X-Forwarded-For (sign-in limits and API throttles count by that address).
CLUSTERHUB_TRUSTED_PROXIES = int(env_str("CLUSTERHUB_TRUSTED_PROXIES", "1"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env_str("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
# No script of ours reads the CSRF cookie (forms carry the token; Swagger UI gets it in the page).
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Observability first (request id, metrics, access log), then the probes, which answer
# before host routing; CSP on every response.
MIDDLEWARE = [*OPS_MIDDLEWARE, *MIDDLEWARE]
# Our pages load scripts and styles only from our origin and nothing inline: no <script> or
# <style> elements, no on…= handlers, no style= attributes ('unsafe-inline' nowhere). A
# destructive form carries data-confirm and frontend/page.js asks; bars are placed by the same
# file through data-left/data-width (tests/security/test_csp.py keeps templates that way).
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "script-src-attr": ["'none'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'none'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("CLUSTERHUB_CSP_REPORT_ONLY", False)

# Static files: collectstatic into STATIC_ROOT, hashed names, gzip/brotli copies; WhiteNoise
# serves them with far-future caching (nginx proxies /static/ and may cache it).
STATIC_ROOT = Path(env_str("CLUSTERHUB_STATIC_ROOT", str(ROOT_DIR / ".local" / "staticfiles")))
WHITENOISE_USE_FINDERS = False
# Media: one folder per cluster (clusterhub.storage), never served by nginx.
MEDIA_ROOT = Path(env_str("CLUSTERHUB_MEDIA_ROOT", str(ROOT_DIR / ".local" / "media")))
STORAGES = {
    "default": {"BACKEND": "clusterhub.storage.ClusterMediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CLUSTER_ARCHIVE_DIR = Path(env_str("CLUSTERHUB_ARCHIVE_DIR", str(ROOT_DIR / ".local" / "archives")))
CLUSTER_BACKUP_DIR = Path(env_str("CLUSTERHUB_BACKUP_DIR", str(ROOT_DIR / ".local" / "backups")))

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
SERVER_EMAIL = DEFAULT_FROM_EMAIL  # noqa: F405

# Celery: a real broker is required; results only when a backend is configured.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING below (JSON)
CELERY_WORKER_SEND_TASK_EVENTS = False
# Beat: top up the pool of spare cluster schemas even if an on-commit refill was lost.
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,  # noqa: F405 - base.py's entries (roadmap, billing, warehouse)
    "refill-spare-schemas": {
        "task": "tenants.spare_schemas_refill",
        "schedule": float(env_str("CLUSTERHUB_SPARE_REFILL_SECONDS", "600")),
    },
}

# REDIS_CACHE_URL (base.py) should be set with more than one web process: host -> cluster
# routing is cached, and a suspended cluster must stop answering on every pod at once.

# Parallel migrations (migrate_all_clusters): processes at most.
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(env_str("CLUSTERHUB_MIGRATE_PROCESSES", "4"))

# /metrics: a bearer token, else loopback only (deploy/README.md, "Metrics").
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])

SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
if SENTRY_DSN:  # noqa: F405 - base.py initialised it with base's default environment name
    from clusterhub.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)  # noqa: F405

# One JSON object per line on stderr: cluster slug and request id on every line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "clusterhub.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "clusterhub.request": {"level": "INFO" if env_bool("CLUSTERHUB_ACCESS_LOG", True) else "WARNING"},
        "django.request": {"level": "WARNING"},  # 4xx/5xx details; the access line has every request
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": "INFO"},
    },
}

# YooKassa notifications are accepted only from YooKassa's published sender networks
# (override with YOOKASSA_NOTIFY_NETWORKS, comma-separated). The handler re-reads every payment
# through the API anyway; this keeps strangers from making it call out.
YOOKASSA_NOTIFY_NETWORKS = env_list(
    "YOOKASSA_NOTIFY_NETWORKS",
    [
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180::/32",
    ],
)
