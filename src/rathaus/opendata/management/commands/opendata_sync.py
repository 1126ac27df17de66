"""Bring module datasets of the open-data catalog up to date.
Scheduled by ``run_scheduled_jobs`` (docs/operations.md); this command
runs it by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.core.tenancy.services import municipality_option
from rathaus.opendata.tasks import sync_module_datasets


class Command(BaseCommand):
    help = "Gleicht die Datensätze der Module ab / syncs module datasets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="SLUG", help="only this municipality (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        muni_id = muni.pk if muni else None
        count = sync_module_datasets.call(muni_id)
        self.stdout.write(f"{count} Modul-Datensätze veröffentlicht.")
