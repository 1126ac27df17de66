"""manage.py restore --from DIR: into the EMPTY database and folders this environment configures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.backup import services


class Command(BaseCommand):
    help = (
        "Stellt eine Sicherung in die konfigurierte (leere) Datenbank und Ordner wieder her, prüft sie "
        "und rückt alle Nummernkreise vor / restores a backup into the configured (empty) database "
        "and folders, verifies it and advances every number counter (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, help="backup folder (with manifest.json)")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a non-empty database and non-empty folders"
        )
        parser.add_argument(
            "--reference-gap",
            type=int,
            default=services.DEFAULT_REFERENCE_GAP,
            help=f"advance every number counter and id sequence by this much (default "
            f"{services.DEFAULT_REFERENCE_GAP})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.restore(
                Path(options["source"]), force=options["force"], reference_gap=options["reference_gap"]
            )
        except services.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in result.warnings:
            self.stderr.write(f"WARNING: {warning}")
        self.stdout.write(
            f"restored backup of {result.manifest['created_at']} (version {result.manifest['app_version']}): "
            f"database, {result.files} files; counters advanced by {options['reference_gap']}: "
            f"{result.advanced}"
        )
        check = result.file_check
        if check.missing:
            for line in check.missing:
                self.stderr.write(f"missing: {line}")
            raise CommandError(
                f"{len(check.missing)} of {check.checked} files named by the database are missing"
            )
        self.stdout.write(f"check_files: all {check.checked} files named by the database exist")
