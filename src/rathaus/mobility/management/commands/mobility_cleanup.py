"""Remove work folders of killed imports (``*.partial``, ``*.tmp``) from MOBILITY_DATA_DIR.

    python manage.py mobility_cleanup [--hours 6]

Only entries older than --hours (default settings.MOBILITY_STALE_HOURS) are removed, so that an
import running right now keeps its folders. The same runs before every feed import.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.mobility import services


class Command(BaseCommand):
    help = "Entfernt Reste abgebrochener Importe / removes leftovers of killed imports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=float, default=None, help="minimum age in hours")

    def handle(self, *args: Any, **options: Any) -> None:
        removed = services.cleanup_stale(options["hours"])
        for path in removed:
            self.stdout.write(f"entfernt / removed: {path}")
        self.stdout.write(f"{len(removed)} Rest(e) entfernt / leftover(s) removed.")
