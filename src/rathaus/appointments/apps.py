from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class AppointmentsConfig(AppConfig):
    name = "rathaus.appointments"
    label = "appointments"
    verbose_name = "Terminvergabe"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="appointments",
                title=_("Termin im Bürgerbüro"),
                description=_(
                    "Personalausweis, Reisepass, Meldebescheinigung, Beglaubigung: Termin online "
                    "vereinbaren – mit oder ohne Benutzerkonto."
                ),
                url_name="appointments:start",
                order=35,
            ),
            PortalEntry(
                key="appointments_mine",
                title=_("Meine Termine"),
                description=_("Ihre anstehenden Termine im Bürgerbüro: absagen, in den Kalender"),
                url_name="appointments:mine",
                order=36,
            ),
        ),
        staff=(
            StaffEntry("services", _("Terminvergabe: Tagesliste"), "appointments:day_list", 36),
            StaffEntry(
                "services",
                _("Terminvergabe einrichten: Standorte, Schalter, Öffnungszeiten, Dienstzeiten"),
                "appointments:setup",
                37,
            ),
        ),
        data_exporters=("rathaus.appointments.services.export_user_appointments",),
        data_erasers=("rathaus.appointments.services.erase_user_appointments",),
        schedule=("rathaus.appointments.schedule.jobs",),
    )
