from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "core.accounts"
    label = "accounts"
    verbose_name = "Учётные записи"
    default_auto_field = "django.db.models.BigAutoField"
