from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "rathaus.appointments"
    label = "appointments"
    verbose_name = "Terminvergabe"

    def ready(self) -> None:
        from rathaus.core.accounts import services as accounts
        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import schedule, services

        register_portal_entry(
            PortalEntry(
                key="appointments",
                title=_("Termin im Bürgerbüro"),  # type: ignore[arg-type]
                description=_(  # type: ignore[arg-type]
                    "Personalausweis, Reisepass, Meldebescheinigung, Beglaubigung: Termin online "
                    "vereinbaren – mit oder ohne Benutzerkonto."
                ),
                url_name="appointments:start",
                order=35,
            )
        )
        register_portal_entry(
            PortalEntry(
                key="appointments_mine",
                title=_("Meine Termine"),  # type: ignore[arg-type]
                description=_("Ihre anstehenden Termine im Bürgerbüro: absagen, in den Kalender"),  # type: ignore[arg-type]
                url_name="appointments:mine",
                order=36,
            )
        )
        title: Any = _("Terminvergabe: Tagesliste")
        register_staff_entry(StaffEntry("services", title, "appointments:day_list", 36))
        setup: Any = _("Terminvergabe einrichten: Standorte, Schalter, Öffnungszeiten, Dienstzeiten")
        register_staff_entry(StaffEntry("services", setup, "appointments:setup", 37))
        accounts.register_data_exporter(services.export_user_appointments)
        accounts.register_data_eraser(services.erase_user_appointments)
        schedule.register_jobs()
