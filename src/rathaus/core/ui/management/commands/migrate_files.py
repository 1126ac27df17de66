"""Copy an installation's files from the local folders to the configured object storage.

    manage.py migrate_files --to s3 [--dry-run]

Run with RATHAUS_STORAGE=s3 and the bucket settings in place, and with RATHAUS_MEDIA_ROOT and
RATHAUS_PRIVATE_ROOT still naming the local folders. MEDIA_ROOT goes to the public bucket ("default"),
except its cases/ and fim/ folders (private files of an installation older than the private storage),
which go to the private bucket like everything in PRIVATE_ROOT. Every object is read back and
compared by SHA-256; objects already there with the same checksum are skipped (resumable). The local
files stay until the operator removes them (docs/storage.md).

RATHAUS_HERITAGE_MEDIA_ROOT (image masters, pyramids, IIIF tiles) and RATHAUS_MOBILITY_DIR (GTFS and
population-grid Parquet) go to the storages ``heritage`` and ``mobility`` (ADR 0021) the same way;
the manifests the per-node file cache needs (size and SHA-256 of each pyramid and Parquet file) are
written at the target after the files. Work folders of imports (``uploads/``, ``*.tmp``,
``*.partial``) are not copied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core import storage, storage_migrate


def _quiet(_line: str) -> None:
    pass


def _work_file(name: str) -> bool:
    """Probe files and work folders of imports: never data of the installation."""
    parts = name.split("/")
    return (
        name.startswith((".health", "uploads/"))
        or parts[0].startswith(".health-probe")
        or any(p.endswith((".tmp", ".partial")) for p in parts)
    )


class Command(BaseCommand):
    help = "Dateien der lokalen Ordner in den konfigurierten Objektspeicher (S3) kopieren."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", choices=["s3"], required=True)
        parser.add_argument("--dry-run", action="store_true", help="nur anzeigen / only list")

    def handle(self, *args: Any, to: str, dry_run: bool = False, verbosity: int = 1, **options: Any) -> None:
        public_dst, private_dst = storages["default"], storage.private_storage()
        if not (storage.is_s3(public_dst) and storage.is_s3(private_dst)):
            raise CommandError(
                "RATHAUS_STORAGE=s3 ist nicht eingestellt / RATHAUS_STORAGE=s3 is not configured."
            )
        media = FileSystemStorage(location=settings.MEDIA_ROOT)
        private = storage.PrivateFileSystemStorage(location=settings.PRIVATE_ROOT)
        log: Callable[[str], None] = self.stdout.write if verbosity > 1 or dry_run else _quiet
        report = storage_migrate.Report()
        public_names = (
            n
            for n in storage_migrate.walk(media)
            if n.split("/", 1)[0] not in storage.PRIVATE_PREFIXES and not n.startswith(".health/")
        )
        storage_migrate.transfer(media, public_dst, public_names, dry_run=dry_run, report=report, log=log)
        for prefix in storage.PRIVATE_PREFIXES:
            storage_migrate.transfer(
                media,
                private_dst,
                storage_migrate.walk(media, prefix),
                dry_run=dry_run,
                report=report,
                log=log,
            )
        private_names = (n for n in storage_migrate.walk(private) if not n.startswith(".health/"))
        storage_migrate.transfer(private, private_dst, private_names, dry_run=dry_run, report=report, log=log)
        for alias, setting, fallback in (
            (storage.HERITAGE, "RATHAUS_HERITAGE_MEDIA_ROOT", "heritage-media"),
            (storage.MOBILITY, "MOBILITY_DATA_DIR", "mobility"),
        ):
            dst = storages[alias]
            if not storage.is_s3(dst):
                continue
            src = storage.SettingFolderStorage(setting=setting, fallback=fallback)
            names = (n for n in storage_migrate.walk(src) if not _work_file(n))
            storage_migrate.transfer(src, dst, names, dry_run=dry_run, report=report, log=log)
            storage_migrate.write_manifests(alias, src, dst, dry_run=dry_run, report=report, log=log)
        if not dry_run:
            storage_migrate.check_references(private_dst, report)
        for name, error in report.failed:
            self.stderr.write(f"FEHLER/FAILED {name}: {error}")
        for label, name in report.missing:
            self.stderr.write(f"FEHLT/MISSING {label}: {name}")
        self.stdout.write(("Probelauf/dry run: " if dry_run else "") + report.summary())
        if report.failed or report.missing:
            raise CommandError("Nicht alle Dateien wurden übertragen / not all files were copied.")
