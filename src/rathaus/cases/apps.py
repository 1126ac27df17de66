from typing import Any

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "rathaus.cases"
    label = "cases"
    verbose_name = "Anträge und Sachbearbeitung"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from rathaus.core import figures
        from rathaus.core.accounts import services as accounts
        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )
        from rathaus.fim import services as fim

        from . import queries, services, views

        fim.register_submit_handler(services.submit_draft)
        from rathaus.core.storage_migrate import register_private_references

        register_private_references("cases.attachments", queries.attachment_paths)
        views.register()
        accounts.register_data_exporter(services.export_user_applications)
        accounts.register_data_eraser(services.erase_user_applications)
        from rathaus.core.backup import registry as backup

        backup.register_counter("cases.ReferenceCounter", services.advance_reference_counters)
        backup.register_file_references("cases.Attachment", services.attachment_file_references)
        # Named `_`: makemessages extracts only _() calls (a `t()` alias kept these texts German).
        _: Any = gettext_lazy
        register_portal_entry(
            PortalEntry(
                key="cases",
                title=_("Meine Anträge"),
                description=_("Stand Ihrer Anträge, Rückfragen und Bescheide"),
                url_name="cases:mine",
                order=15,
            )
        )
        register_staff_entry(
            StaffEntry(
                "services", _("Anträge: Posteingang und Sachbearbeitung"), "cases:inbox", 40, all_staff=True
            )
        )
        register_staff_entry(
            StaffEntry(
                "services",
                _("Anträge: Fachbereiche, Fristen und Aufbewahrung je Leistung"),
                "cases:settings",
                41,
            )
        )
        figures.register_indicator(
            figures.Indicator(
                key="cases.share_online",
                module="services",
                label=_("Anteil der online verfügbaren Leistungen"),
                unit="%",
                method=_("Online verfügbare Leistungen geteilt durch alle veröffentlichten Leistungen"),
                compute=queries.share_online,
                source_url_name="ozg_dashboard",
                order=20,
            )
        )
        figures.register_indicator(
            figures.Indicator(
                key="cases.applications_12_months",
                module="services",
                label=_("Online-Anträge der letzten 12 Monate"),
                unit="",
                method=_("Anzahl der eingegangenen Anträge (Online-Formular und Schnittstelle) in 365 Tagen"),
                compute=queries.applications_last_12_months,
                source_url_name="ozg_dashboard",
                order=21,
            )
        )
        figures.register_indicator(
            figures.Indicator(
                key="cases.median_processing_days",
                module="services",
                label=_("Mittlere Bearbeitungsdauer von Anträgen"),
                unit="Tage",
                method=_(
                    "Median der Tage vom Eingang bis zur Entscheidung, Entscheidungen der letzten 365 Tage"
                ),
                compute=queries.median_processing_days,
                source_url_name="ozg_dashboard",
                order=22,
            )
        )
        figures.register_dataset_source(
            figures.DatasetSource(
                key="cases.monthly_applications",
                module="services",
                title=_("Online-Anträge je Monat"),
                description=_(
                    "Eingegangene und entschiedene Anträge je Monat mit der mittleren Bearbeitungsdauer "
                    "(Median in Tagen); zusammengefasst, ohne personenbezogene Daten."
                ),
                themes=("GOVE",),
                keywords=("OZG", "Onlinezugangsgesetz", "Anträge", "Verwaltungsdigitalisierung"),
                distributions=(
                    figures.Distribution(
                        key="csv",
                        title=_("Anträge je Monat (CSV)"),
                        url_name="ozg_dashboard_csv",
                        media_type="text/csv",
                        format="CSV",
                    ),
                ),
                modified=queries.last_change,
                update_frequency="DAILY",
                landing_url_name="ozg_dashboard",
            )
        )
        from . import schedule  # periodic jobs for run_scheduled_jobs (issue 22)

        schedule.register_jobs()
