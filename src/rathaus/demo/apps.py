from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "rathaus.demo"
    label = "demo"
    verbose_name = "Demodaten"
