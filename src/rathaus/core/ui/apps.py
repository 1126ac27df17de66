from django.apps import AppConfig

from rathaus.core.modules import RathausModule


class UiConfig(AppConfig):
    name = "rathaus.core.ui"
    label = "ui"
    verbose_name = "Portal"
    rathaus_module = RathausModule(
        search_providers=("rathaus.core.ui.search_provider.NOTICES", "rathaus.core.ui.search_provider.LEGAL"),
    )

    def ready(self) -> None:
        from django.core import checks

        from rathaus.core import modules, storage

        checks.register(storage.deploy_checks, checks.Tags.caches, deploy=True)
        # Every app's models are loaded now: register what every module declares (ADR 0014).
        modules.load_modules()
