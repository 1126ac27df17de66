from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class MobilityConfig(AppConfig):
    name = "rathaus.mobility"
    label = "mobility"
    verbose_name = "Mobilität"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="mobility",
                title=_("Mobilität"),
                description=_("Fahrplanangebot und ÖV-Güteklassen auf der Karte"),
                url_name="mobility:index",
                order=60,
            ),
        ),
        staff=(
            StaffEntry(
                "mobility",
                _("Mobilität: Fahrplanstände, Bevölkerungsraster, Ortsteile"),
                "mobility:manage",
                60,
            ),
        ),
        figures=("rathaus.mobility.indicators.declarations",),
        schedule=("rathaus.mobility.schedule.jobs",),
        file_references=(("mobility.FeedVersion", "rathaus.mobility.services.file_references"),),
        file_bundles=(("mobility", "rathaus.mobility.files.bundles"),),
        importers=("rathaus.mobility.services.FEED_IMPORTER",),
    )
