from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "core.selection"
    label = "selection"
    verbose_name = "Отбор PROКЛАСТЕРЫ"
    default_auto_field = "django.db.models.BigAutoField"
