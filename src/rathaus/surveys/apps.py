from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "rathaus.surveys"
    label = "surveys"
    verbose_name = "Umfragen"

    def ready(self) -> None:
        pass
