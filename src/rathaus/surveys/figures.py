"""Figures the surveys module publishes through rathaus.core.figures."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from .models import Survey


def survey_count(municipality: Municipality) -> int:
    return Survey.objects.for_tenant(municipality).filter(is_published=True, is_template=False).count()


def published_results_modified(municipality: Municipality) -> datetime | None:
    now = timezone.now()
    closed = Survey.objects.for_tenant(municipality).filter(
        is_published=True, is_template=False, publish_results=True, closes_at__lte=now
    )
    return closed.order_by("-closes_at").values_list("closes_at", flat=True).first()


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    from . import services

    return [
        figures.Indicator(
            key="surveys.count",
            module="participation",
            label=_("Veröffentlichte Umfragen"),
            unit="",
            method=_("Anzahl der veröffentlichten Umfragen (ohne Vorlagen), laufend und beendet"),
            compute=survey_count,
            source_url_name="surveys:index",
        ),
        figures.Indicator(
            key="surveys.responses_12m",
            module="participation",
            label=_("Teilnahmen an Umfragen in den letzten 12 Monaten"),
            unit="",
            method=_("Anzahl abgeschlossener Antworten seit dem Monatsanfang vor 12 Monaten"),
            compute=services.responses_in_last_year,
            source_url_name="surveys:index",
        ),
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
        ),
    ]
