from django.apps import AppConfig


class ConsultingConfig(AppConfig):
    name = "rathaus.consulting"
    label = "consulting"
    verbose_name = "Beratung"
