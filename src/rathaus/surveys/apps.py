from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class SurveysConfig(AppConfig):
    name = "rathaus.surveys"
    label = "surveys"
    verbose_name = "Umfragen"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="surveys",
                title=_("Umfragen"),
                description=_("Beteiligen Sie sich an Befragungen der Stadt"),
                url_name="surveys:index",
                order=40,
            ),
        ),
        staff=(
            StaffEntry(
                "participation", _("Umfragen: erstellen, Einladungen, Ergebnisse"), "surveys:manage", 40
            ),
        ),
        data_exporters=("rathaus.surveys.services.export_responses",),
        data_erasers=("rathaus.surveys.services.erase_responses",),
        figures=("rathaus.surveys.figures.declarations",),
    )
