"""manage.py advance_counters --since TIME: after a point-in-time recovery (docs/operations.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rathaus.core.backup import services


class Command(BaseCommand):
    help = (
        "Rückt alle Nummernkreise und ID-Folgen um eine Lücke vor (nach einer Wiederherstellung auf "
        "einen Zeitpunkt) / advances every number counter and id sequence by a gap (after a "
        "point-in-time recovery)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", required=True, help="recovery target time, ISO 8601, e.g. 2026-12-07T10:55:00+01:00"
        )
        parser.add_argument("--reference-gap", type=int, default=services.DEFAULT_REFERENCE_GAP)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = datetime.fromisoformat(options["since"])
        except ValueError as exc:
            raise CommandError(f"--since: kein Zeitpunkt / not a time: {options['since']}") from exc
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        try:
            advanced, recorded = services.advance_counters(options["reference_gap"], since)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"advanced by {options['reference_gap']}: {advanced}")
        if not recorded:
            self.stderr.write("WARNING: run `manage.py migrate` first to record this in backup_restorerecord")
