from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "rathaus.surveys"
    label = "surveys"
    verbose_name = "Umfragen"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rathaus.core import figures
        from rathaus.core.accounts.services import register_data_eraser, register_data_exporter
        from rathaus.core.ui.services import (
            PortalEntry,
            StaffEntry,
            register_portal_entry,
            register_staff_entry,
        )

        from . import services
        from .figures import published_results_modified, survey_count

        register_portal_entry(
            PortalEntry(
                key="surveys",
                title=_("Umfragen"),  # type: ignore[arg-type]
                description=_("Beteiligen Sie sich an Befragungen der Stadt"),  # type: ignore[arg-type]
                url_name="surveys:index",
                order=40,
            )
        )
        register_staff_entry(
            StaffEntry(
                "participation", _("Umfragen: erstellen, Einladungen, Ergebnisse"), "surveys:manage", 40
            )
        )
        register_data_exporter(services.export_responses)
        register_data_eraser(services.erase_responses)
        figures.register_indicator(
            figures.Indicator(
                key="surveys.count",
                module="participation",
                label=_("Veröffentlichte Umfragen"),
                unit="",
                method=_("Anzahl der veröffentlichten Umfragen (ohne Vorlagen), laufend und beendet"),
                compute=survey_count,
                source_url_name="surveys:index",
            )
        )
        figures.register_indicator(
            figures.Indicator(
                key="surveys.responses_12m",
                module="participation",
                label=_("Teilnahmen an Umfragen in den letzten 12 Monaten"),
                unit="",
                method=_("Anzahl abgeschlossener Antworten seit dem Monatsanfang vor 12 Monaten"),
                compute=services.responses_in_last_year,
                source_url_name="surveys:index",
            )
        )
        figures.register_dataset_source(
            figures.DatasetSource(
                key="surveys.results",
                module="participation",
                title=_("Ergebnisse der Bürger- und Unternehmensbefragungen"),
                description=_(
                    "Zusammengefasste Ergebnisse (Anzahl und Anteil je Antwort) der beendeten Umfragen, "
                    "deren Ergebnisse veröffentlicht sind. Keine Einzelantworten."
                ),
                themes=("GOVE", "SOCI"),
                keywords=("Umfrage", "Beteiligung", "Bürgerbeteiligung"),
                distributions=(
                    figures.Distribution(
                        key="csv",
                        title=_("Ergebnisse als CSV"),
                        url_name="surveys:open_data_csv",
                        media_type="text/csv",
                        format="CSV",
                    ),
                ),
                modified=published_results_modified,
                landing_url_name="surveys:index",
            )
        )
