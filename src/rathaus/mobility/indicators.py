"""Indicators and dataset sources of the mobility module (rathaus.core.figures registries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from . import queries


def _result(muni: Municipality) -> queries.Result | None:
    try:
        return queries.default_result(muni)
    except (OSError, ValueError, pl.exceptions.PolarsError):  # Parquet files missing (data dir not mounted)
        return None


def share_ad(muni: Municipality) -> float | None:
    r = _result(muni)
    value = r.coverage.share("ABCD") if r and r.coverage else None
    return None if value is None else round(100 * value, 1)


def share_beyond(muni: Municipality) -> float | None:
    r = _result(muni)
    value = r.coverage.share_beyond if r and r.coverage else None
    return None if value is None else round(100 * value, 1)


def stops_served(muni: Municipality) -> int | None:
    r = _result(muni)
    return None if r is None else r.served_stops


def departures_per_1000(muni: Municipality) -> float | None:
    r = _result(muni)
    if r is None or r.coverage is None or not r.coverage.total:
        return None
    # Boardable departures (as for the Güteklassen: no trip ends, no pickup_type 1, frequencies.txt
    # expanded), summed over the stations.
    return round(1000 * int(r.stations["departures"].sum()) / r.coverage.total, 1)


def service_span(muni: Municipality) -> float | None:
    """Hours between the first and the last departure of the day at any stop (working day)."""
    r = _result(muni)
    if r is None:
        return None
    spans = r.routes["service_span_h"].drop_nulls()
    return None if spans.len() == 0 else float(spans.max())  # type: ignore[arg-type]


def modified(muni: Municipality) -> datetime | None:
    feed = queries.current_feed(muni)
    return feed.imported_at if feed else None


def modal_split_reference() -> list[dict[str, Any]]:
    """Mobilität in Deutschland 2023 (BMDV/infas, Kurzreport 2025), share of trips (Wege), Germany.

    Walking 26 %, cycling 11 %, car as driver 40 % are the published headline figures; the remaining
    23 % are car passengers and public transport together (see docs/mobility.md for the source)."""
    return [
        {"label": _("Zu Fuß"), "share": 26},
        {"label": _("Fahrrad"), "share": 11},
        {"label": _("Pkw (selbst fahrend)"), "share": 40},
        {"label": _("Pkw-Mitfahrt und öffentlicher Verkehr zusammen"), "share": 23},
    ]


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    found: list[figures.Indicator | figures.DatasetSource] = []
    method_window = _("Aktueller Fahrplanstand, repräsentativer Werktag (Di–Do), 06:00–20:00 Uhr")
    for key, label, unit, method, compute, order in (
        (
            "mobility.share_class_a_d",
            _("Einwohner in ÖV-Güteklasse A bis D"),
            "%",
            _("Anteil der Einwohner des Bevölkerungsrasters in Güteklasse A–D (Methode ARE), %(w)s"),
            share_ad,
            10,
        ),
        (
            "mobility.share_beyond_1000m",
            _("Einwohner weiter als 1.000 m von einer bedienten Haltestelle"),
            "%",
            _("Anteil der Einwohner ohne bediente Haltestelle im Umkreis von 1.000 m (Luftlinie), %(w)s"),
            share_beyond,
            11,
        ),
        (
            "mobility.stops_served",
            _("Bediente Haltestellen"),
            "",
            _("Haltestellen mit mindestens einer Abfahrt, %(w)s"),
            stops_served,
            12,
        ),
        (
            "mobility.departures_per_1000",
            _("Abfahrten je 1.000 Einwohner"),
            "",
            _(
                "Abfahrten mit Einstiegsmöglichkeit an allen Haltestellen geteilt durch Einwohner des "
                "Rasters mal 1.000, %(w)s"
            ),
            departures_per_1000,
            13,
        ),
        (
            "mobility.service_span",
            _("Bedienungszeitraum"),
            "h",
            _("Stunden zwischen erster und letzter Abfahrt der am längsten bedienten Linie am Werktag"),
            service_span,
            14,
        ),
    ):
        found.append(
            figures.Indicator(
                key=key,
                module="mobility",
                label=label,
                unit=unit,
                method=_LazyFormat(method, method_window),
                compute=compute,
                source_url_name="mobility:indicators",
                order=order,
            )
        )
    found.append(
        figures.DatasetSource(
            key="mobility.stops",
            module="mobility",
            title=_("Haltestellen mit ÖV-Güteklassen"),
            description=_(
                "Haltestellen des aktuellen Fahrplanstands mit Abfahrten, mittlerem Takt und "
                "Haltestellenkategorie (I–VII) sowie die Flächen der ÖV-Güteklassen A–F (Methode ARE), "
                "repräsentativer Werktag 06:00–20:00 Uhr."
            ),
            themes=("TRAN", "REGI"),
            keywords=("ÖPNV", "Haltestellen", "ÖV-Güteklassen", "GTFS", "Mobilität"),
            distributions=(
                figures.Distribution(
                    "stops-geojson",
                    _("Haltestellen (GeoJSON)"),
                    "mobility:stops_geojson",
                    "application/geo+json",
                    "GEOJSON",
                ),
                figures.Distribution(
                    "classes-geojson",
                    _("Güteklassen-Flächen (GeoJSON)"),
                    "mobility:classes_geojson",
                    "application/geo+json",
                    "GEOJSON",
                ),
                figures.Distribution(
                    "stops-csv", _("Abfahrten je Haltestelle (CSV)"), "mobility:stops_csv", "text/csv", "CSV"
                ),
            ),
            modified=modified,
            landing_url_name="mobility:index",
        )
    )
    found.append(
        figures.DatasetSource(
            key="mobility.indicators",
            module="mobility",
            title=_("Kennzahlen zum Mobilitätskonzept"),
            description=_("Erschließung der Einwohner durch den öffentlichen Verkehr und Fahrplanangebot."),
            themes=("TRAN",),
            keywords=("ÖPNV", "Erschließung", "Kennzahlen", "Mobilitätskonzept"),
            distributions=(
                figures.Distribution(
                    "indicators-csv", _("Kennzahlen (CSV)"), "mobility:indicators_csv", "text/csv", "CSV"
                ),
            ),
            modified=modified,
            landing_url_name="mobility:indicators",
        )
    )
    return found


class _LazyFormat:
    """A lazy translation with a lazy argument, rendered when shown."""

    def __init__(self, template: Any, window: Any) -> None:
        self.template, self.window = template, window

    def __str__(self) -> str:
        return str(self.template) % {"w": str(self.window)}
