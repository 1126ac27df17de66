from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "rathaus.core.ui"
    label = "ui"
    verbose_name = "Portal"

    def ready(self) -> None:
        from . import search_provider  # noqa: F401
