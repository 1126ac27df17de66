from django.apps import AppConfig


class FimConfig(AppConfig):
    name = "rathaus.fim"
    label = "fim"
    verbose_name = "Online-Formulare (FIM)"
