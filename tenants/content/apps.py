from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "tenants.content"
    label = "content"
    verbose_name = "Публичный сайт кластера"
    default_auto_field = "django.db.models.BigAutoField"
