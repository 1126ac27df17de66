"""Store the live values of computed indicators in their time series.
Scheduled by ``run_scheduled_jobs`` (docs/operations.md); this command
runs it by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.core.tenancy.services import municipality_option
from rathaus.strategy.tasks import snapshot_indicators


class Command(BaseCommand):
    help = "Hält berechnete Indikatoren für den laufenden Monat fest / snapshots computed indicators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="SLUG", help="only this municipality (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        muni_id = muni.pk if muni else None
        count = snapshot_indicators.call(muni_id)
        self.stdout.write(f"{count} Wert(e) festgehalten.")
