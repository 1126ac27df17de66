from django.apps import AppConfig


class HeritageConfig(AppConfig):
    name = "rathaus.heritage"
    label = "heritage"
    verbose_name = "Digitale Sammlung"

    def ready(self) -> None:
        pass
