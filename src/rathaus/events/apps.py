from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "rathaus.events"
    label = "events"
    verbose_name = "Veranstaltungen"

    def ready(self) -> None:
        from rathaus.core.accounts.services import register_data_eraser, register_data_exporter
        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import search_provider, services  # noqa: F401

        register_portal_entry(
            PortalEntry(
                key="events",
                # Lazy strings: the home page shows them in the visitor's language.
                title=_("Veranstaltungen und Kurse"),  # type: ignore[arg-type]
                description=_(  # type: ignore[arg-type]
                    "Workshops, Kurse, Sprechstunden und Bürgerdialoge – mit Online-Anmeldung."
                ),
                url_name="events:list",
                order=20,
            )
        )
        register_staff_entry(StaffEntry("events", _("Veranstaltungen verwalten"), "events:manage", 20))
        register_data_exporter(services.export_registrations_of)
        register_data_eraser(services.erase_registrations_of)
        from . import (
            figures,  # noqa: F401  (registers indicators and open datasets, issue 9)
            schedule,  # periodic jobs for run_scheduled_jobs (issue 22)
        )

        schedule.register_jobs()
