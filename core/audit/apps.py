from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "core.audit"
    label = "audit"
    verbose_name = "Журнал изменений"
    default_auto_field = "django.db.models.BigAutoField"
