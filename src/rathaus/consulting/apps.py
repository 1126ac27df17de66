from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultingConfig(AppConfig):
    name = "rathaus.consulting"
    label = "consulting"
    verbose_name = "Beratung"

    def ready(self) -> None:
        from rathaus.core.accounts import services as accounts
        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import services

        register_portal_entry(
            PortalEntry(
                key="consulting",
                title=_("Beratung zur Digitalisierung"),  # type: ignore[arg-type]
                description=_(  # type: ignore[arg-type]
                    "Kostenlose Termine im Digital Hub: Online-Ausweis, Fördermittel, Sicherheit im Netz "
                    "und mehr – vor Ort, online oder am Telefon."
                ),
                url_name="consulting:slot_list",
                order=40,
            )
        )
        # Listed on the staff dashboard for the Digital Hub's managers (advisors find the page via
        # the link on the public slot list).
        title: Any = _("Beratungstermine verwalten")  # lazy: translated when the dashboard renders
        register_staff_entry(StaffEntry("hub", title, "consulting:manage", 35))
        accounts.register_data_exporter(services.export_user_bookings)
        accounts.register_data_eraser(services.erase_user_bookings)
        from . import (
            figures,  # noqa: F401  (registers indicators and open datasets, issue 9)
            schedule,  # periodic jobs for run_scheduled_jobs (issue 22)
        )

        schedule.register_jobs()
