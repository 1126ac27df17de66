from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import Extension, RathausModule, StaffEntry


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    label = "payments"
    verbose_name = "Gebühren und E-Payment"
    rathaus_module = RathausModule(
        staff=(
            StaffEntry("services", _("Zahlungen: Tagesabgleich und Erstattungen"), "payments:day", 42),
            StaffEntry("services", _("Gebühren je Leistung und Zahlungsanbieter"), "payments:settings", 43),
        ),
        schedule=("rathaus.payments.schedule.jobs",),
        extensions=(
            Extension("rathaus.cases.services.register_extension", "rathaus.payments.hooks.CASE_EXTENSION"),
            # The payment plugins (ADR 0010).
            Extension(
                "rathaus.payments.providers.base.register",
                "rathaus.payments.providers.invoice.InvoiceProvider",
            ),
            Extension(
                "rathaus.payments.providers.base.register",
                "rathaus.payments.providers.xbezahldienste.XBezahldiensteProvider",
            ),
        ),
    )
