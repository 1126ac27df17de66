from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class CatalogConfig(AppConfig):
    name = "rathaus.catalog"
    label = "catalog"
    verbose_name = "Leistungskatalog"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="catalog",
                title=_("Verwaltungsleistungen A–Z"),
                description=_(
                    "Was Sie bei der Stadt erledigen können: Unterlagen, Kosten, Zuständigkeit "
                    "und Online-Anträge."
                ),
                url_name="catalog:list",
                order=5,
            ),
        ),
        staff=(StaffEntry("services", _("Leistungskatalog verwalten"), "catalog:manage", 10),),
        search_providers=("rathaus.catalog.search_provider.PROVIDER",),
        figures=("rathaus.catalog.figures.declarations",),
        importers=("rathaus.catalog.services.IMPORTER",),
    )
