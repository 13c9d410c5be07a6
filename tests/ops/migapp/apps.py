from django.apps import AppConfig


class MigappConfig(AppConfig):
    name = "tests.ops.migapp"
    label = "opsmig"
    default_auto_field = "django.db.models.BigAutoField"
