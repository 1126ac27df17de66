from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "rathaus.opendata"
    label = "opendata"
    verbose_name = "Offene Daten"

    def ready(self) -> None:
        pass
