from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FimConfig(AppConfig):
    name = "rathaus.fim"
    label = "fim"
    verbose_name = "Online-Formulare (FIM)"

    def ready(self) -> None:
        from rathaus.core.accounts import services as accounts
        from rathaus.core.ui.services import StaffEntry, register_staff_entry

        from . import services

        title: Any = _("Online-Formulare (FIM) verwalten")
        register_staff_entry(StaffEntry("services", title, "fim:manage", 45))
        accounts.register_data_exporter(services.export_user_forms)
        accounts.register_data_eraser(services.erase_user_forms)
        from . import figures  # noqa: F401  (registers indicators and open datasets, issue 9)
