from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "rathaus.opendata"
    label = "opendata"
    verbose_name = "Offene Daten"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import search_provider  # noqa: F401  (registers the search provider)

        register_portal_entry(
            PortalEntry(
                key="opendata",
                title=_("Offene Daten"),  # type: ignore[arg-type]
                description=_("Datensätze der Stadt zum freien Download, mit DCAT-AP.de-Katalog"),  # type: ignore[arg-type]
                url_name="opendata:index",
                order=80,
            )
        )
        register_staff_entry(
            StaffEntry("opendata", _("Offene Daten: Datensätze und Dateien"), "opendata:manage", 80)
        )
        from . import schedule  # periodic jobs for run_scheduled_jobs (issue 22)

        schedule.register_jobs()
