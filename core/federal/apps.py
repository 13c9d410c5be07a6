from django.apps import AppConfig


class FederalConfig(AppConfig):
    name = "core.federal"
    label = "federal"
    verbose_name = "Федеральная отчётность"
    default_auto_field = "django.db.models.BigAutoField"
