"""Indicators and the open-data source of the case handling (declared in apps.py, ADR 0014)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rathaus.core import figures

from . import queries


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    return [
        figures.Indicator(
            key="cases.share_online",
            module="services",
            label=_("Anteil der online verfügbaren Leistungen"),
            unit="%",
            method=_("Online verfügbare Leistungen geteilt durch alle veröffentlichten Leistungen"),
            compute=queries.share_online,
            source_url_name="ozg_dashboard",
            order=20,
        ),
        figures.Indicator(
            key="cases.applications_12_months",
            module="services",
            label=_("Online-Anträge der letzten 12 Monate"),
            unit="",
            method=_("Anzahl der eingegangenen Anträge (Online-Formular und Schnittstelle) in 365 Tagen"),
            compute=queries.applications_last_12_months,
            source_url_name="ozg_dashboard",
            order=21,
        ),
        figures.Indicator(
            key="cases.median_processing_days",
            module="services",
            label=_("Mittlere Bearbeitungsdauer von Anträgen"),
            unit="Tage",
            method=_("Median der Tage vom Eingang bis zur Entscheidung, Entscheidungen der letzten 365 Tage"),
            compute=queries.median_processing_days,
            source_url_name="ozg_dashboard",
            order=22,
        ),
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
        ),
    ]
