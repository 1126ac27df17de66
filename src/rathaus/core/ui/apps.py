from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "rathaus.core.ui"
    label = "ui"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.core import checks

        from rathaus.core import storage

        from . import search_provider  # noqa: F401

        checks.register(storage.deploy_checks, checks.Tags.caches, deploy=True)
