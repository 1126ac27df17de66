from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "rathaus.events"
    label = "events"
    verbose_name = "Veranstaltungen"
