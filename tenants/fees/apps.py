from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "tenants.fees"
    label = "fees"
    verbose_name = "Взносы"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Services queue tasks by name (core.queue); the web process must know them too.
        from . import tasks  # noqa: F401
