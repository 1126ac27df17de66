"""Shared body of import_heritage_csv and import_lido: run an import job in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.tenancy.services import municipality_option
from rathaus.heritage import importers


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
        ctx = ServiceContext.for_command(muni)
        try:
            # The same core import job as an upload (ADR 0022), run here: no worker needed.
            job, started = importers.start_job(
                ctx, self.kind, path.name, path.read_bytes(), dry_run=options["dry_run"], queue=False
            )
        except imports.ImportFailed as exc:
            raise CommandError(exc.message) from None
        if started:
            imports.run(job.pk)
        else:
            self.stdout.write(f"Diese Datei wurde gerade schon importiert (Import-Job {job.pk}).")
        job.refresh_from_db()
        for level, entries in (("error", job.errors), ("warning", job.warnings)):
            for m in entries:
                self.stdout.write(f"Zeile {m['line'] or 0}: {level}: {m['message']}")
        counts = job.result or {}
        self.stdout.write(
            f"{job.get_status_display()}: {counts.get('created', 0)} neu, "
            f"{counts.get('updated', 0)} aktualisiert, {counts.get('failed', 0)} fehlerhaft"
            + (" (Probelauf)" if job.dry_run else "")
        )
        if job.status == "failed":
            raise CommandError(f"Import fehlgeschlagen: {job.message}")
