from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class HubConfig(AppConfig):
    name = "rathaus.hub"
    label = "hub"
    verbose_name = "Digital Hub"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="hub",
                title=_("Digital Hub"),
                description=_("Arbeitsplätze und Räume buchen"),
                url_name="hub:index",
                order=30,
            ),
        ),
        staff=(
            StaffEntry("hub", _("Digital Hub: Standorte, Plätze und Auslastung"), "hub:manage", 30),
            StaffEntry("hub", _("Digital Hub: Dashboard mit Kennzahlen"), "hub:dashboard", 31),
        ),
        search_providers=("rathaus.hub.search_provider.PROVIDER",),
        data_exporters=("rathaus.hub.services.export_bookings",),
        figures=("rathaus.hub.figures.declarations",),
        schedule=("rathaus.hub.schedule.jobs",),
    )
