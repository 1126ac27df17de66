"""Shared body of import_heritage_csv and import_lido: run an import job in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.tenancy.services import municipality_option
from rathaus.heritage import importers
from rathaus.heritage.models import ImportJob


class ImportCommand(BaseCommand):
    kind = "csv"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="file to import")
        parser.add_argument("--municipality", metavar="SLUG", required=True)
        parser.add_argument("--dry-run", action="store_true", help="check only, store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        assert muni is not None  # the option is required
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"Datei nicht gefunden: {path}")
        job = ImportJob.objects.create(
            municipality=muni,
            kind=self.kind,
            file_name=path.name,
            content=path.read_bytes(),
            dry_run=options["dry_run"],
        )
        importers.run(job)  # in this process, no worker needed
        job.refresh_from_db()
        for m in job.messages:
            self.stdout.write(f"Zeile {m['line']}: {m['level']}: {m['message']}")
        self.stdout.write(
            f"{job.get_status_display()}: {job.created} neu, {job.updated} aktualisiert, "
            f"{job.failed} fehlerhaft" + (" (Probelauf)" if job.dry_run else "")
        )
        if job.status == "failed":
            raise CommandError("Import fehlgeschlagen.")
