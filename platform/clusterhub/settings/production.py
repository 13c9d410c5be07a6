"""Production: secrets only from the environment, no defaults."""

import dj_database_url

from clusterhub.env import env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DATABASES = {"default": {**dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60),
                         "ENGINE": "django_tenants.postgresql_backend"}}
BASE_DOMAIN = env_str("CLUSTERHUB_BASE_DOMAIN")
PUBLIC_HOSTS = env_list("CLUSTERHUB_PUBLIC_HOSTS", [BASE_DOMAIN, f"www.{BASE_DOMAIN}"])
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
