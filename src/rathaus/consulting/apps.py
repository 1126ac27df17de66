from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class ConsultingConfig(AppConfig):
    name = "rathaus.consulting"
    label = "consulting"
    verbose_name = "Beratung"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="consulting",
                title=_("Beratung zur Digitalisierung"),
                description=_(
                    "Kostenlose Termine im Digital Hub: Online-Ausweis, Fördermittel, Sicherheit im Netz "
                    "und mehr – vor Ort, online oder am Telefon."
                ),
                url_name="consulting:slot_list",
                order=40,
            ),
        ),
        # Listed on the staff dashboard for the Digital Hub's managers (advisors find the page via
        # the link on the public slot list).
        staff=(StaffEntry("hub", _("Beratungstermine verwalten"), "consulting:manage", 35),),
        data_exporters=("rathaus.consulting.services.export_user_bookings",),
        data_erasers=("rathaus.consulting.services.erase_user_bookings",),
        figures=("rathaus.consulting.figures.declarations",),
        schedule=("rathaus.consulting.schedule.jobs",),
    )
