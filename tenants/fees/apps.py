from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "tenants.fees"
    label = "fees"
    verbose_name = "Взносы"
    default_auto_field = "django.db.models.BigAutoField"
