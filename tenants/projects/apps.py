from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "tenants.projects"
    label = "projects"
    verbose_name = "Совместные проекты и господдержка"
    default_auto_field = "django.db.models.BigAutoField"
