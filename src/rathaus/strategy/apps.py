from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "rathaus.strategy"
    label = "strategy"
    verbose_name = "Digitalstrategie"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import figures

        figures.register()
        from . import search_provider  # noqa: F401  (registers the search provider)

        register_portal_entry(
            PortalEntry(
                key="strategy",
                title=_("Digitalstrategie"),  # type: ignore[arg-type]
                description=_("Handlungsfelder, Maßnahmen und Umsetzungsstand"),  # type: ignore[arg-type]
                url_name="strategy:index",
                order=70,
            )
        )
        register_portal_entry(
            PortalEntry(
                key="barometer",
                title=_("Digitalbarometer"),  # type: ignore[arg-type]
                description=_("Wo die Stadt bei der Digitalisierung steht – in Zahlen"),  # type: ignore[arg-type]
                url_name="barometer",
                order=75,
            )
        )
        register_staff_entry(
            StaffEntry("strategy", _("Digitalstrategie: Maßnahmen und Indikatoren"), "strategy:manage", 70)
        )
        from . import schedule  # periodic jobs for run_scheduled_jobs (issue 22)

        schedule.register_jobs()
