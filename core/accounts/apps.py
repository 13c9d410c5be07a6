from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "core.accounts"
    label = "accounts"
    verbose_name = "Учётные записи"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The core's model-wide tweaks, once every app's models are loaded (core has no app of its own).
        from core.display import choice_displays_install

        choice_displays_install()
