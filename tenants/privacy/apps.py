from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tenants.privacy"
    label = "privacy"
    verbose_name = "Персональные данные"
    default_auto_field = "django.db.models.BigAutoField"
