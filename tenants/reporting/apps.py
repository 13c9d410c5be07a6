from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "tenants.reporting"
    label = "reporting"
    verbose_name = "Годовой отчёт (черновик)"
    default_auto_field = "django.db.models.BigAutoField"
