from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "rathaus.mobility"
    label = "mobility"
    verbose_name = "Mobilität"

    def ready(self) -> None:
        from rathaus.core.backup import registry as backup

        from . import services as _services

        backup.register_file_references("mobility.FeedVersion", _services.file_references)
        from rathaus.core.storage_migrate import register_bundles

        from . import files as _files

        register_bundles("mobility", _files.bundles)
        from django.utils.translation import gettext_lazy as _

        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import indicators

        register_portal_entry(
            PortalEntry(
                key="mobility",
                title=_("Mobilität"),  # type: ignore[arg-type]
                description=_("Fahrplanangebot und ÖV-Güteklassen auf der Karte"),  # type: ignore[arg-type]
                url_name="mobility:index",
                order=60,
            )
        )
        register_staff_entry(
            StaffEntry(
                "mobility",
                _("Mobilität: Fahrplanstände, Bevölkerungsraster, Ortsteile"),
                "mobility:manage",
                60,
            )
        )
        indicators.register()
        from . import schedule  # periodic jobs for run_scheduled_jobs (issue 22)

        schedule.register_jobs()
