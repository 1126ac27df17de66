from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class OpendataConfig(AppConfig):
    name = "rathaus.opendata"
    label = "opendata"
    verbose_name = "Offene Daten"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="opendata",
                title=_("Offene Daten"),
                description=_("Datensätze der Stadt zum freien Download, mit DCAT-AP.de-Katalog"),
                url_name="opendata:index",
                order=80,
            ),
        ),
        staff=(StaffEntry("opendata", _("Offene Daten: Datensätze und Dateien"), "opendata:manage", 80),),
        search_providers=("rathaus.opendata.search_provider.PROVIDER",),
        schedule=("rathaus.opendata.schedule.jobs",),
    )
