from django.apps import AppConfig


class HeritageConfig(AppConfig):
    name = "rathaus.heritage"
    label = "heritage"
    verbose_name = "Digitale Sammlung"

    def ready(self) -> None:
        from rathaus.core.backup import registry as backup

        from . import services as _services

        backup.register_file_references("heritage.ObjectImage", _services.file_references)
        from rathaus.core.storage_migrate import register_bundles

        register_bundles("heritage", _services.pyramid_bundles)
        from django.utils.translation import gettext_lazy as _

        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import figures, search_provider  # noqa: F401

        register_portal_entry(
            PortalEntry(
                key="heritage",
                title=_("Digitale Sammlung"),  # type: ignore[arg-type]
                description=_("Kulturgüter aus Museum und Stadtarchiv entdecken"),  # type: ignore[arg-type]
                url_name="heritage:index",
                order=50,
            )
        )
        register_staff_entry(
            StaffEntry("heritage", _("Digitale Sammlung: Objekte erfassen"), "heritage:manage", 50)
        )
        register_staff_entry(
            StaffEntry("heritage", _("Digitale Sammlung: Import (CSV, LIDO)"), "heritage:import_start", 51)
        )
        figures.register()

        from rathaus.core.jobs.services import StaleSource, register_stale_source

        from . import importers

        register_stale_source(
            StaleSource(
                "heritage_imports",
                count=lambda cutoff: importers.stale_jobs(cutoff).count(),
                fail=importers.fail_stale_jobs,
            )
        )
