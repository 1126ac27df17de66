from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import RathausModule, StaffEntry


class FimConfig(AppConfig):
    name = "rathaus.fim"
    label = "fim"
    verbose_name = "Online-Formulare (FIM)"
    rathaus_module = RathausModule(
        staff=(StaffEntry("services", _("Online-Formulare (FIM) verwalten"), "fim:manage", 45),),
        data_exporters=("rathaus.fim.services.export_user_forms",),
        data_erasers=("rathaus.fim.services.erase_user_forms",),
        figures=("rathaus.fim.figures.declarations",),
        importers=("rathaus.fim.services.IMPORTER",),
    )
