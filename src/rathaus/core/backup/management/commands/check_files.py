"""manage.py check_files: every file the database names exists (exit status 1 otherwise)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rathaus.core.backup import services


class Command(BaseCommand):
    help = (
        "Prüft, dass jede Datei existiert, die die Datenbank nennt / checks that every file the "
        "database names exists (docs/operations.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        check = services.check_files()
        for line in check.missing:
            self.stderr.write(f"missing: {line}")
        if check.missing:
            raise CommandError(
                f"{len(check.missing)} of {check.checked} files named by the database are missing"
            )
        self.stdout.write(f"all {check.checked} files named by the database exist")
