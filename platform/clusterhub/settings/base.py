"""Settings shared by every environment. Environment reading lives in clusterhub.env."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clusterhub.env import ROOT_DIR, env_bool, env_list, env_str

BASE_DIR = ROOT_DIR

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-demo-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)

# Clusters live on <slug>.<BASE_DOMAIN>; the platform (operator, ministry) on PUBLIC_HOSTS.
BASE_DOMAIN = env_str("CLUSTERHUB_BASE_DOMAIN", "localhost")
PUBLIC_HOSTS = env_list("CLUSTERHUB_PUBLIC_HOSTS", [BASE_DOMAIN, f"www.{BASE_DOMAIN}", "127.0.0.1"])
# Where the platform host answers, as users reach it: password-reset links are built from
# this only, never from the request's host.
CLUSTERHUB_PLATFORM_URL = env_str("CLUSTERHUB_PLATFORM_URL", f"http://{BASE_DOMAIN}:8000")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"])

SHARED_APPS = [
    # tenants before django_tenants: its migrate/migrate_schemas commands win.
    "tenants.apps.TenantsConfig",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "core.accounts.apps.AccountsConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core.audit.apps.AuditConfig",
    "core.federal.apps.FederalConfig",
    "core.selection.apps.SelectionConfig",
    "billing.apps.BillingConfig",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # htmx served from the django-htmx wheel (its {% htmx_script %}: our origin, no CDN)
    "django_htmx",
    "api.apps.ApiConfig",
    "frontend.apps.FrontendConfig",
]
# Apps whose tables live in every cluster schema.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "tenants.content.apps.ContentConfig",
    "tenants.members.apps.MembersConfig",
    "tenants.governance.apps.GovernanceConfig",
    "tenants.events.apps.EventsConfig",
    "tenants.roadmap.apps.RoadmapConfig",
    "tenants.fees.apps.FeesConfig",
    "tenants.reporting.apps.ReportingConfig",
    "tenants.projects.apps.ProjectsConfig",
    "tenants.privacy.apps.PrivacyConfig",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Cluster"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# The schema every new cluster is cloned from; migrate_schemas keeps it migrated.
CLUSTER_TEMPLATE_SCHEMA = "cluster_template"
# Empty clones of the template kept ready, so creating a cluster is a schema rename.
CLUSTER_SPARE_SCHEMAS = 2
# Schema names (= slugs) nobody may take.
RESERVED_CLUSTER_SLUGS = {
    "public",
    "www",
    "api",
    "admin",
    "static",
    "media",
    "mail",
    "ftp",
    "localhost",
    "information_schema",
    "cluster_template",
    "platform",
    "ministry",
    "billing",
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# django-tenants' backend wraps this one: Django's, without caching an unknown server version
# (clusterhub/postgresql_backend/base.py).
ORIGINAL_BACKEND = "clusterhub.postgresql_backend"
# Seconds a failed database connect is tried again (that backend); production: 1 s behind pgbouncer.
DATABASE_CONNECT_RETRY_SECONDS = 0.0
# SET search_path once per connection and schema switch, not before every query: the
# routing middleware switches once per request, so a request issues at most one SET.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "clusterhub.urls_public"
ROOT_URLCONF = "clusterhub.urls_tenant"

# Paths whose @lean_endpoint views run without the session/auth/CSRF/messages/language
# middleware (clusterhub/lean.py): machine-to-machine POSTs of the payment gateways.
LEAN_PATH_PREFIXES = ("/billing/stripe/webhook/", "/billing/yookassa/notify/")

MIDDLEWARE = [
    "clusterhub.request_checks.QueryControlCharactersMiddleware",  # ?search=%00 → 400
    "tenants.middleware.ClusterRoutingMiddleware",
    "tenants.middleware.ClusterTimezoneMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Gateways' webhooks skip everything below (clusterhub/lean.py, LEAN_PATH_PREFIXES).
    "clusterhub.lean.LeanEndpointMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "clusterhub.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.accounts.middleware.SessionHostBindingMiddleware",
    "core.accounts.middleware.TwoFactorEnrolmentMiddleware",
    "core.accounts.middleware.SessionRecordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: an htmx request gets a page part
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Area packages of the UI (frontend/members, frontend/governance, …) keep their own
        # templates/ and static/ folders.
        "DIRS": sorted((BASE_DIR / "frontend").glob("*/templates")),
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "clusterhub.wsgi.application"
ASGI_APPLICATION = "clusterhub.asgi.application"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["core.accounts.backends.EmailLockoutBackend"]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed sign-ins for one e-mail from one address before that pair is locked, and for how
# long; failed sign-ins from one address (any e-mails) before the address is refused as long.
LOGIN_LOCKOUT_THRESHOLD = 5
LOGIN_LOCKOUT_MINUTES = 15
LOGIN_ADDRESS_FAILURE_LIMIT = 20
# Password-reset e-mails per address and per e-mail in an hour (beyond: the same answer, no mail).
PASSWORD_RESET_ADDRESS_LIMIT = 10
PASSWORD_RESET_EMAIL_LIMIT = 3
# Two-factor sign-in (core.accounts.twofactor): platform admins, ministry users and the admins of
# a cluster that turned it on must enrol a second factor; with TWO_FACTOR_ENFORCE off (demo and
# the test settings) they may still sign in with the password alone until they enrol. An
# account with a second factor is always asked for it. Our own sign-in limits count failed
# codes, so django-otp's per-device back-off is off.
TWO_FACTOR_ENFORCE = True
TWO_FACTOR_PENDING_SECONDS = 300
OTP_TOTP_ISSUER = "clusterhub"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The session list (core.accounts.sessions) marks a session seen at most once a minute.
SESSION_SEEN_EVERY_SECONDS = 60
# Proxies in front of Django that append to X-Forwarded-For (nginx: 1); 0 trusts REMOTE_ADDR only.
CLUSTERHUB_TRUSTED_PROXIES = int(env_str("CLUSTERHUB_TRUSTED_PROXIES", "0"))

# Cookies are host-only (no Domain attribute): a session minted on mosreg.<base>
# is never sent to nso.<base>. One account still works on every host it holds a
# grant for; the user signs in on each host. See README, "Sessions and hosts".
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Moscow"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = sorted((BASE_DIR / "frontend").glob("*/static"))
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"
MEDIA_ROOT = BASE_DIR / ".local" / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache keys carry the schema name (django-tenants' make_key): one cluster never
# reads another's cached value.
# "platform" holds cross-cluster routing data (host -> cluster) under plain keys.
_redis_cache = env_str("REDIS_CACHE_URL", "")
_cache_backend = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_cache}
    if _redis_cache
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
)
CACHES = {
    "default": {
        **_cache_backend,
        "LOCATION": _cache_backend.get("LOCATION", "clusterhub-tenant"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    "platform": {
        **_cache_backend,
        "LOCATION": _cache_backend.get("LOCATION", "clusterhub-platform"),
        "KEY_PREFIX": "platform",
    },
}
# How long a host -> cluster resolution is cached (services invalidate on change).
CLUSTER_HOST_CACHE_SECONDS = 60
# ... and in each process, in front of the shared cache: a change made elsewhere (suspension,
# status, time zone) reaches every process within this many seconds.
CLUSTER_HOST_LOCAL_SECONDS = float(env_str("CLUSTERHUB_HOST_LOCAL_SECONDS", "3"))

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clusterhub <noreply@clusterhub.local>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.FilterBackend",  # relation filters are plain ids (api/filters.py)
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only: the browsable API renders filter forms from unscoped querysets (it listed
    # companies the public directory hides); settings/local.py adds it back under DEBUG.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Nesting limited and control characters refused in every body (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "api.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    # One renderer and no particular Accept: no header parsing per request (api/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.ContentNegotiation",
    "DEFAULT_METADATA_CLASS": "api.metadata.Metadata",  # OPTIONS: no serializer or object lookups
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per client address for anonymous calls (the public API), per account for signed-in ones,
    # and token requests per address (api/throttles.py; counted in the "platform" cache).
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttles.AnonAddressThrottle",
        "api.throttles.UserAccountThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "600/minute"),
        "user": env_str("API_THROTTLE_USER", "3000/minute"),
        "signin": env_str("API_THROTTLE_SIGNIN", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "clusterhub API",
    "DESCRIPTION": "API платформы региональных промышленных кластеров (clusterhub).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The JSON errors every operation can answer (400/401/403/404/429), documented (api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.error_responses"],
}

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
# Beat (production.py adds its own entries to these). Roadmap deadline reminders: hourly; each
# cluster gets its letters from ROADMAP_REMINDER_HOUR of its own time zone on, once per item,
# kind and deadline (tenants/roadmap/reminders.py).
CELERY_BEAT_SCHEDULE = {
    # Tasks kept in the outbox while the broker was down (core/queue.py), sent again.
    "queue-outbox-flush": {
        "task": "tenants.outbox_flush",
        "schedule": float(env_str("CLUSTERHUB_OUTBOX_FLUSH_SECONDS", "30")),
    },
    "roadmap-reminders": {"task": "roadmap.reminders_dispatch", "schedule": 3600.0},
    # Governance: close voting by ballots at the deadline (idempotent; tenants/governance/tasks.py).
    "governance-voting-close": {"task": "governance.voting_close_dispatch", "schedule": 60.0},
    # Billing: lost webhooks and pending refunds; stored-but-unprocessed webhook events; overdue
    # marks, reminders and missed e-mails per cluster time zone (billing/tasks.py).
    "billing-reconcile": {"task": "billing.reconcile", "schedule": 900.0},
    "billing-events-sweep": {"task": "billing.events_sweep", "schedule": 300.0},
    "billing-notifications": {"task": "billing.notifications_sweep", "schedule": 3600.0},
    # Invoice e-mails waiting in the outbox (billing.models.NotificationOutbox): the backstop of
    # the services' nudges (a nudge lost with the broker down, or skipped by a web process).
    "billing-notifications-drain": {
        "task": "billing.notifications_drain",
        "schedule": float(env_str("BILLING_NOTIFY_DRAIN_BEAT_SECONDS", "30")),
    },
    # Federal warehouse: live metrics (members, dues, roadmap) of every cluster, one task per
    # cluster, besides the refresh queued after each change (core/federal/warehouse.py).
    "federal-warehouse-refresh": {
        "task": "federal.warehouse_refresh_all",
        "schedule": float(env_str("CLUSTERHUB_WAREHOUSE_REFRESH_SECONDS", "900")),
    },
}
# Federal reporting reads a cluster's figures through each area's metrics selector, never its
# models: core.federal imports no tenant app (core/federal/metrics.py).
FEDERAL_METRICS = [
    "tenants.members.metrics.federal_metrics",
    "tenants.roadmap.metrics.federal_metrics",
    "billing.metrics.federal_metrics",
    "tenants.projects.metrics.federal_metrics",
    "tenants.projects.federal_rows.federal_project_rows",
]
# PROКЛАСТЕРЫ selection: experts' weighted totals differing by more than this many points flag an
# application as an outlier (a call may set its own).
SELECTION_OUTLIER_SPREAD = env_str("SELECTION_OUTLIER_SPREAD", "2.0")
ROADMAP_REMINDER_DAYS_BEFORE = int(env_str("ROADMAP_REMINDER_DAYS_BEFORE", "7"))
ROADMAP_REMINDER_HOUR = 9
ROADMAP_OVERDUE_REMINDER_WINDOW_DAYS = 30

SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development")

# Payments: the stripe SDK talks to STRIPE_API_BASE (localstripe in demo/tests).
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")  # empty: Stripe itself (demo/tests: localstripe)
# Fernet key(s) for payee secrets at rest (comma-separated to rotate); empty: derived from SECRET_KEY.
BILLING_SECRETS_KEY = env_str("BILLING_SECRETS_KEY", "")
# Invoice e-mails of the outbox (billing.services.common.notify_through_outbox) are sent at most
# this many seconds after the payment committed: a web process queues one drain task per such
# window instead of one task per payment.
BILLING_NOTIFY_DRAIN_SECONDS = float(env_str("BILLING_NOTIFY_DRAIN_SECONDS", "2"))
# How old (seconds) a signed webhook may be; Stripe's default.
STRIPE_WEBHOOK_TOLERANCE = 300
# YooKassa API root for the yookassa SDK (demo/tests: the local server of
# billing/gateways/yookassa_local.py, e.g. http://127.0.0.1:8430); empty: YooKassa itself.
YOOKASSA_API_BASE = env_str("YOOKASSA_API_BASE", "")
# Networks YooKassa notifications may come from (empty: any; production: YooKassa's published ones).
YOOKASSA_NOTIFY_NETWORKS: list[str] = env_list("YOOKASSA_NOTIFY_NETWORKS", [])

# Where archived cluster dumps are written.
CLUSTER_ARCHIVE_DIR = BASE_DIR / ".local" / "archives"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"clusterhub": {"level": "INFO"}, "tenants": {"level": "INFO"}},
}

if SENTRY_DSN:
    from clusterhub.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)

# Demo data of the areas (clusterhub.demo, `manage.py demo_setup`), by dotted path. CLUSTER_DEMOS
# run inside each cluster's schema, in one transaction with its other content:
# f(cluster, *, tz). PLATFORM_DEMOS run after every cluster is ready, on the public schema:
# f(clusters). Each must be safe to run again.
CLUSTER_DEMOS = [
    "clusterhub.demo.content.demo_cluster_content",
    "tenants.roadmap.demo.demo_roadmaps",
    "tenants.fees.demo.demo_fees",
    "tenants.projects.demo.demo_projects",
    "tenants.governance.demo.demo_voting",
    "tenants.privacy.demo.demo_privacy",
]
PLATFORM_DEMOS = [
    "billing.demo.demo_payees",
    "billing.statements.demo.demo_statements",
    "tenants.reporting.demo.demo_annual_reports",
    "clusterhub.demo.selection.demo_selection",
    "core.federal.warehouse.demo_refresh",
]

# The Russian production calendar (core.ru.workdays): days off that fall on weekdays or
# weekends by law (Labour Code art. 112 holidays and the days off moved by the government's
# decrees) and Saturdays made working days. 2025: decree No. 1335 of 04.10.2024; 2026: decree
# of 24.09.2025 (No. 1466); 2027: decree of 2026 (consultant.ru LAW_544706). Extend yearly.
RU_NON_WORKING_DAYS = [
    # 2025
    "2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05", "2025-01-06",
    "2025-01-07", "2025-01-08", "2025-02-23", "2025-03-08", "2025-05-01", "2025-05-02",
    "2025-05-08", "2025-05-09", "2025-06-12", "2025-06-13", "2025-11-03", "2025-11-04",
    "2025-12-31",
    # 2026
    "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06",
    "2026-01-07", "2026-01-08", "2026-01-09", "2026-02-23", "2026-03-08", "2026-03-09",
    "2026-05-01", "2026-05-09", "2026-05-11", "2026-06-12", "2026-11-04", "2026-12-31",
    # 2027
    "2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04", "2027-01-05", "2027-01-06",
    "2027-01-07", "2027-01-08", "2027-02-22", "2027-02-23", "2027-03-08", "2027-05-01",
    "2027-05-03", "2027-05-09", "2027-05-10", "2027-06-12", "2027-06-14", "2027-11-04",
    "2027-11-05", "2027-12-31",
]  # fmt: skip
RU_EXTRA_WORKING_DAYS = ["2025-11-01", "2027-02-20"]
