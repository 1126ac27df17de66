from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    label = "payments"
    verbose_name = "Gebühren und E-Payment"

    def ready(self) -> None:
        from typing import Any

        from django.utils.translation import gettext_lazy

        from rathaus.core.ui.services import StaffEntry, register_staff_entry

        from . import hooks, schedule
        from .providers import invoice, xbezahldienste  # noqa: F401 - registers the providers

        hooks.register()
        schedule.register_jobs()
        _: Any = gettext_lazy
        register_staff_entry(
            StaffEntry("services", _("Zahlungen: Tagesabgleich und Erstattungen"), "payments:day", 42)
        )
        register_staff_entry(
            StaffEntry("services", _("Gebühren je Leistung und Zahlungsanbieter"), "payments:settings", 43)
        )
