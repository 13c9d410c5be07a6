from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "tenants.roadmap"
    label = "roadmap"
    verbose_name = "Дорожная карта"
    default_auto_field = "django.db.models.BigAutoField"
