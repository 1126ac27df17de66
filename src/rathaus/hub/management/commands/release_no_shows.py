"""Release no-show bookings. Run every 5 minutes from cron or a systemd timer, e.g.

*/5 * * * *  cd /srv/rathaus && .venv/bin/python manage.py release_no_shows --municipality zeitz
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import get_municipality
from rathaus.hub.tasks import release_no_shows


class Command(BaseCommand):
    help = "Gibt Buchungen ohne Check-in nach der Karenzzeit frei / releases no-show bookings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="SLUG", help="only this municipality (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        muni_id = None
        if options["municipality"]:
            try:
                muni_id = get_municipality(options["municipality"]).pk
            except Municipality.DoesNotExist as exc:
                raise CommandError(f"Unbekannte Kommune: {options['municipality']}") from exc
        # Runs the task in this process (a worker is not needed for a timer-driven job).
        count = release_no_shows.call(muni_id)
        self.stdout.write(f"{count} Buchung(en) freigegeben.")
