"""Departures per stop of an imported feed for a service date and time window.

    python manage.py gtfs_stop_stats "Fahrplan 2026" --date 2026-03-10 --from 06:00 --to 09:00 --format csv

Columns (stable): stop_id;stop_name;departures;mean_headway_min;route_types (the core CSV
convention, rathaus.core.exports) — see docs/mobility.md.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core import exports
from rathaus.mobility import analysis, gtfs, queries
from rathaus.mobility.models import FeedVersion

from ._common import municipality_option

COLUMNS = ("stop_id", "stop_name", "departures", "mean_headway_min", "route_types")


class Command(BaseCommand):
    help = "Abfahrten je Haltestelle / departures per stop for a date and time window."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("feed", help="name of the timetable version given at import")
        parser.add_argument("--date", required=True, help="service date YYYY-MM-DD")
        parser.add_argument("--from", dest="start", default="00:00", help="HH:MM, inclusive")
        parser.add_argument("--to", dest="end", default="48:00", help="HH:MM, exclusive (up to 48:00)")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument("--municipality", metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        feed = FeedVersion.objects.for_tenant(muni).filter(name=options["feed"]).first()
        if feed is None:
            raise CommandError(f"Fahrplanstand nicht gefunden / feed not found: {options['feed']}")
        try:
            day = date.fromisoformat(options["date"])
            start, end = gtfs.parse_hhmm(options["start"]), gtfs.parse_hhmm(options["end"])
        except ValueError as exc:
            raise CommandError(f"Ungültiges Datum oder Uhrzeit / invalid date or time: {exc}") from None
        if end <= start:
            raise CommandError("--to muss nach --from liegen / --to must be after --from.")
        stats = analysis.stop_stats(queries.open_feed(feed), analysis.Window(day, start, end))
        rows = stats.select(COLUMNS).iter_rows(named=True)
        if options["format"] == "json":
            self.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=1))
            return
        exports.write_csv(self.stdout, [COLUMNS, *([row[c] for c in COLUMNS] for row in rows)])
