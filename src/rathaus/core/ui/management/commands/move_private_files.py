"""Move private files that an older installation kept in the public media storage into "private".

    manage.py move_private_files [--dry-run]

Files below cases/ and fim/ of the "default" storage (MEDIA_ROOT, or the public bucket) are copied to
the "private" storage under the same name, verified by SHA-256 and then deleted from the public
place. The database stores storage-relative names (cases.Attachment.path, the form drafts' file
references), which stay the same, so no row changes; the command then checks that every name the
database refers to exists in the private storage. Idempotent and resumable: run it again after an
interruption (docs/storage.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core import storage, storage_migrate


def _quiet(_line: str) -> None:
    pass


class Command(BaseCommand):
    help = "Private Dateien aus dem öffentlichen Medienspeicher in den privaten Speicher verschieben."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="nur anzeigen / only list")

    def handle(self, *args: Any, dry_run: bool = False, verbosity: int = 1, **options: Any) -> None:
        src, dst = storages["default"], storage.private_storage()
        log: Callable[[str], None] = self.stdout.write if verbosity > 1 or dry_run else _quiet
        report = storage_migrate.Report()
        for prefix in storage.PRIVATE_PREFIXES:
            storage_migrate.transfer(
                src,
                dst,
                storage_migrate.walk(src, prefix),
                dry_run=dry_run,
                delete_source=True,
                report=report,
                log=log,
            )
        if not dry_run:
            storage_migrate.check_references(dst, report)
        for name, error in report.failed:
            self.stderr.write(f"FEHLER/FAILED {name}: {error}")
        for label, name in report.missing:
            self.stderr.write(f"FEHLT/MISSING {label}: {name}")
        self.stdout.write(("Probelauf/dry run: " if dry_run else "") + report.summary())
        if report.failed or report.missing:
            raise CommandError("Nicht alle Dateien sind im privaten Speicher / not all files are private.")
