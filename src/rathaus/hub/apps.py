from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "rathaus.hub"
    label = "hub"
    verbose_name = "Digital Hub"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rathaus.core.accounts.services import register_data_exporter
        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import search_provider  # noqa: F401
        from .services import export_bookings

        register_portal_entry(
            PortalEntry(
                key="hub",
                title=_("Digital Hub"),  # type: ignore[arg-type]
                description=_("Arbeitsplätze und Räume buchen"),  # type: ignore[arg-type]
                url_name="hub:index",
                order=30,
            )
        )
        register_data_exporter(export_bookings)
        register_staff_entry(
            StaffEntry("hub", _("Digital Hub: Standorte, Plätze und Auslastung"), "hub:manage", 30)
        )
        register_staff_entry(
            StaffEntry("hub", _("Digital Hub: Dashboard mit Kennzahlen"), "hub:dashboard", 31)
        )
        from . import (
            figures,  # noqa: F401  (registers indicators and open datasets, issue 9)
            schedule,  # periodic jobs for run_scheduled_jobs (issue 22)
        )

        schedule.register_jobs()
