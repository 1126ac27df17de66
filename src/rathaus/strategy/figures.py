"""The strategy app's own figures and the Digitalbarometer as an open dataset."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from . import queries


def measures_done_share(municipality: Municipality) -> Decimal | None:
    return queries.progress(municipality).done_share


def strategy_progress(municipality: Municipality) -> Decimal | None:
    return queries.progress(municipality).average


def _today(municipality: Municipality) -> datetime | None:
    # Live figures: the dataset counts as changed once a day (the catalog then re-syncs it).
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def _measures_modified(municipality: Municipality) -> datetime | None:
    latest: datetime | None = queries.public_measures(municipality).aggregate(m=Max("updated_at"))["m"]
    return latest


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    return [
        figures.Indicator(
            key="strategy.measures_done",
            module="strategy",
            label=_("Abgeschlossene Maßnahmen der Digitalstrategie"),
            unit="%",
            method=_(
                "Anteil der Maßnahmen mit Status „abgeschlossen“ an allen "
                "Maßnahmen der veröffentlichten Strategie"
            ),
            compute=measures_done_share,
            source_url_name="strategy:index",
            order=10,
        ),
        figures.Indicator(
            key="strategy.progress",
            module="strategy",
            label=_("Fortschritt der Digitalstrategie"),
            unit="%",
            method=_(
                "Durchschnitt des Fortschritts (0–100 %) aller Maßnahmen der veröffentlichten Strategie"
            ),
            compute=strategy_progress,
            source_url_name="strategy:index",
            order=11,
        ),
        figures.DatasetSource(
            key="strategy.barometer",
            module="strategy",
            title=_("Digitalbarometer: Kennzahlen der Digitalisierung"),
            description=_(
                "Alle Kennzahlen des Digitalbarometers mit Wert, Einheit und "
                "Berechnungsweise, tagesaktuell aus den Daten des Portals."
            ),
            themes=("GOVE", "TECH"),
            keywords=("Digitalisierung", "Kennzahlen", "Digitalbarometer"),
            distributions=(
                figures.Distribution("csv", _("Kennzahlen (CSV)"), "barometer_csv", "text/csv", "CSV"),
                figures.Distribution(
                    "json", _("Kennzahlen (JSON)"), "barometer_json", "application/json", "JSON"
                ),
            ),
            modified=_today,
            update_frequency="DAILY",
            landing_url_name="barometer",
        ),
        figures.DatasetSource(
            key="strategy.measures",
            module="strategy",
            title=_("Digitalstrategie: Maßnahmen und Umsetzungsstand"),
            description=_(
                "Alle Maßnahmen der Digitalstrategie mit Handlungsfeld, Ziel, "
                "Status, Fortschritt, Federführung, Zeitraum und Budget."
            ),
            themes=("GOVE",),
            keywords=("Digitalstrategie", "Maßnahmen", "Statusbericht"),
            distributions=(
                figures.Distribution(
                    "csv", _("Statusbericht (CSV)"), "strategy:report_csv", "text/csv", "CSV"
                ),
                figures.Distribution(
                    "pdf", _("Statusbericht (PDF)"), "strategy:report_pdf", "application/pdf", "PDF"
                ),
            ),
            modified=_measures_modified,
            update_frequency="MONTHLY",
            landing_url_name="strategy:index",
        ),
    ]
