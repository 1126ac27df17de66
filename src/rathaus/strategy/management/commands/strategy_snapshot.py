"""Store the live values of computed indicators in their time series. Run monthly, e.g.

0 3 1 * *  cd /srv/rathaus && .venv/bin/python manage.py strategy_snapshot
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import get_municipality
from rathaus.strategy.tasks import snapshot_indicators


class Command(BaseCommand):
    help = "Hält berechnete Indikatoren für den laufenden Monat fest / snapshots computed indicators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="SLUG", help="only this municipality (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        muni_id = None
        if options["municipality"]:
            try:
                muni_id = get_municipality(options["municipality"]).pk
            except Municipality.DoesNotExist as exc:
                raise CommandError(f"Unbekannte Kommune: {options['municipality']}") from exc
        count = snapshot_indicators.call(muni_id)
        self.stdout.write(f"{count} Wert(e) festgehalten.")
