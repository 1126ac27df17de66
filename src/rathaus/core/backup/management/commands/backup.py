"""manage.py backup --output DIR: the database and every file location with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.backup import services


class Command(BaseCommand):
    help = (
        "Sichert Datenbank und alle Dateiorte mit Manifest in einen leeren Ordner / backs up the "
        "database and every file location with a manifest into an empty folder (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="empty or missing folder for this backup")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.backup(Path(options["output"]))
        except services.BackupError as exc:
            raise CommandError(str(exc)) from exc
        db = result.manifest["database"]
        self.stdout.write(
            f"backup {result.folder}: database {db['vendor']} ({db['size']} bytes), "
            f"{result.file_count} files in {len(result.manifest['locations'])} locations "
            f"({', '.join(result.manifest['locations'])}), "
            f"{len(result.manifest['migrations'])} migrations, version {result.manifest['app_version']}"
        )
