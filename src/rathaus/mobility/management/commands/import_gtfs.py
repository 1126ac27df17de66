"""Import a GTFS feed (zip or directory) as a named timetable version (Fahrplanstand).

Runs at once (no import job): the same ``services.import_feed`` as the staff upload's import job,
acting with a command context (audited as channel ``command``).

python manage.py import_gtfs feed.zip --municipality zeitz --name "Fahrplan 2026"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.context import ServiceContext
from rathaus.mobility import gtfs, services

from ._common import municipality_option


class Command(BaseCommand):
    help = "Importiert einen GTFS-Feed als Fahrplanstand / imports a GTFS feed as a timetable version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="GTFS zip file or directory")
        parser.add_argument("--municipality", metavar="SLUG")
        parser.add_argument("--name", help="name of the version (default: file name)")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish at once (default: a draft that staff publish after checking the report)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"Datei nicht gefunden / file not found: {path}")
        name = options["name"] or path.stem
        try:
            feed = services.import_feed(
                muni,
                path,
                name,
                ctx=ServiceContext.for_command(muni),
                source_name=path.name,
                publish=options["publish"],
            )
        except gtfs.FeedError as err:
            for p in err.report.errors:
                self.stderr.write(f"FEHLER {p.file}:{p.line or '-'}: {p.message}")
            raise CommandError(
                f"Feed abgelehnt, nichts gespeichert / feed refused, nothing stored "
                f"({err.report.error_count} Fehler / errors)."
            ) from None
        except services.MobilityError as err:
            raise CommandError(err.message) from None
        for w in feed.report.get("warnings", []):
            self.stdout.write(f"WARNUNG {w['file']}:{w['line'] or '-'}: {w['message']}")
        self.stdout.write(
            f"Fahrplanstand „{feed.name}“ importiert: {feed.stop_count} Haltestellen, "
            f"{feed.route_count} Linien, {feed.trip_count} Fahrten, {feed.stop_time_count} Halte, "
            f"gültig {feed.start_date} bis {feed.end_date}."
        )
        plaus = feed.report.get("plausibility", {})
        if plaus.get("stops_inside") is not None:
            self.stdout.write(
                f"Haltestellen im Gemeindegebiet / stops inside the municipality: "
                f"{plaus['stops_inside']} von {plaus['stops']}."
            )
        for w in plaus.get("warnings", []):
            self.stdout.write(f"PRÜFEN / CHECK: {w['code']} {w}")
        if feed.state == "published":
            self.stdout.write("Veröffentlicht / published.")
        else:
            self.stdout.write(
                "Entwurf: erst nach Veröffentlichung öffentlich (Verwaltung oder --publish) / "
                "draft: public only after publishing (staff page or --publish)."
            )
