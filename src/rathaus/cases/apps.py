from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "rathaus.cases"
    label = "cases"
    verbose_name = "Anträge und Sachbearbeitung"

    def ready(self) -> None:
        pass
