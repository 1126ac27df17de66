from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "rathaus.core.tenancy"
    label = "tenancy"
    verbose_name = "Mandanten"

    def ready(self) -> None:
        from . import signals  # noqa: F401
