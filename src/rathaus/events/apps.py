from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class EventsConfig(AppConfig):
    name = "rathaus.events"
    label = "events"
    verbose_name = "Veranstaltungen"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="events",
                # Lazy strings: the home page shows them in the visitor's language.
                title=_("Veranstaltungen und Kurse"),
                description=_("Workshops, Kurse, Sprechstunden und Bürgerdialoge – mit Online-Anmeldung."),
                url_name="events:list",
                order=20,
            ),
        ),
        staff=(StaffEntry("events", _("Veranstaltungen verwalten"), "events:manage", 20),),
        search_providers=("rathaus.events.search_provider.PROVIDER",),
        data_exporters=("rathaus.events.services.export_registrations_of",),
        data_erasers=("rathaus.events.services.erase_registrations_of",),
        figures=("rathaus.events.figures.declarations",),
        schedule=("rathaus.events.schedule.jobs",),
    )
