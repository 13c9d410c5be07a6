from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "tenants.members"
    label = "members"
    verbose_name = "Участники"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Services queue tasks by name (core.queue); the web process must know them too.
        from . import tasks  # noqa: F401
