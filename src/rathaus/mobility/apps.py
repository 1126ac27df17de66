from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "rathaus.mobility"
    label = "mobility"
    verbose_name = "Mobilität"

    def ready(self) -> None:
        pass
