from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "rathaus.catalog"
    label = "catalog"
    verbose_name = "Leistungskatalog"

    def ready(self) -> None:
        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import search_provider  # noqa: F401  (registers the search provider)

        register_portal_entry(
            PortalEntry(
                key="catalog",
                title=_("Verwaltungsleistungen A–Z"),  # type: ignore[arg-type]
                description=_(  # type: ignore[arg-type]
                    "Was Sie bei der Stadt erledigen können: Unterlagen, Kosten, Zuständigkeit "
                    "und Online-Anträge."
                ),
                url_name="catalog:list",
                order=5,
            )
        )
        register_staff_entry(StaffEntry("services", _("Leistungskatalog verwalten"), "catalog:manage", 10))
        from rathaus.core.jobs import imports

        from . import (
            figures,  # noqa: F401  (registers indicators and open datasets, issue 9)
            services,
        )

        imports.register_importer(
            imports.Importer(
                kind="catalog.csv",
                module="services",
                run=services.run_import_job,
                back_url_name="catalog:manage",
                start_url_name="catalog:manage_import",
                max_bytes=services.MAX_CSV_BYTES,
            )
        )
