"""Send the reminder e-mails that are due (each person once per event; safe to run every hour)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import municipality_option
from rathaus.events import services


class Command(BaseCommand):
    help = "Erinnerungs-E-Mails vor Veranstaltungen senden / send event reminder e-mails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipality", metavar="SLUG", help="nur diese Kommune / only this municipality"
        )
        parser.add_argument(
            "--hours",
            type=int,
            default=int(services.REMINDER_LEAD.total_seconds() // 3600),
            help="Vorlauf in Stunden / lead time in hours (default 24)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["hours"] < 1 or options["hours"] > 24 * 14:
            raise CommandError("--hours muss zwischen 1 und 336 liegen / must be 1..336")
        muni = municipality_option(options["municipality"])
        munis = [muni] if muni else list(Municipality.objects.filter(is_active=True))
        lead = timedelta(hours=options["hours"])
        for muni in munis:
            sent = services.send_reminders(muni, lead=lead)
            self.stdout.write(f"{muni.slug}: {sent} Erinnerung(en) gesendet / reminder(s) sent")
