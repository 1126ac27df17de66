from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "rathaus.core.jobs"
    label = "jobs"
    verbose_name = "Hintergrundarbeit"
