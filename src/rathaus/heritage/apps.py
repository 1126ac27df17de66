from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class HeritageConfig(AppConfig):
    name = "rathaus.heritage"
    label = "heritage"
    verbose_name = "Digitale Sammlung"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="heritage",
                title=_("Digitale Sammlung"),
                description=_("Kulturgüter aus Museum und Stadtarchiv entdecken"),
                url_name="heritage:index",
                order=50,
            ),
        ),
        staff=(
            StaffEntry("heritage", _("Digitale Sammlung: Objekte erfassen"), "heritage:manage", 50),
            StaffEntry("heritage", _("Digitale Sammlung: Import (CSV, LIDO)"), "heritage:import_start", 51),
        ),
        search_providers=("rathaus.heritage.search_provider.PROVIDER",),
        figures=("rathaus.heritage.figures.declarations",),
        importers=("rathaus.heritage.importers.CSV_IMPORTER", "rathaus.heritage.importers.LIDO_IMPORTER"),
        file_references=(("heritage.ObjectImage", "rathaus.heritage.services.file_references"),),
        file_bundles=(("heritage", "rathaus.heritage.services.pyramid_bundles"),),
    )
