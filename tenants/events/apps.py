from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "tenants.events"
    label = "events"
    verbose_name = "Мероприятия"
    default_auto_field = "django.db.models.BigAutoField"
