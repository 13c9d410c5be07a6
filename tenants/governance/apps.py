from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "tenants.governance"
    label = "governance"
    verbose_name = "Органы управления"
    default_auto_field = "django.db.models.BigAutoField"
