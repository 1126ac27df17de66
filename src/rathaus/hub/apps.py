from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "rathaus.hub"
    label = "hub"
    verbose_name = "Digital Hub"
