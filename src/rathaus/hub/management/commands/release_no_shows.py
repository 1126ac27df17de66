"""Release no-show bookings. Scheduled by ``run_scheduled_jobs`` (docs/operations.md); this command
runs it by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.core.tenancy.services import municipality_option
from rathaus.hub.tasks import release_no_shows


class Command(BaseCommand):
    help = "Gibt Buchungen ohne Check-in nach der Karenzzeit frei / releases no-show bookings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="SLUG", help="only this municipality (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        muni_id = muni.pk if muni else None
        # Runs the task in this process (a worker is not needed for a timer-driven job).
        count = release_no_shows.call(muni_id)
        self.stdout.write(f"{count} Buchung(en) freigegeben.")
