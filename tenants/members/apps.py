from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "tenants.members"
    label = "members"
    verbose_name = "Участники"
    default_auto_field = "django.db.models.BigAutoField"
