from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.consulting import services
from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import get_municipality


class Command(BaseCommand):
    help = (
        "Send reminders for consulting appointments starting within the next 24 hours "
        "(each booking gets one reminder; safe to run every few minutes, e.g. from cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="slug of the municipality, e.g. zeitz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            muni = get_municipality(options["municipality"])
        except Municipality.DoesNotExist as exc:
            raise CommandError(
                f"Unbekannte Kommune / unknown municipality: {options['municipality']}"
            ) from exc
        sent = services.send_reminders(muni)
        self.stdout.write(f"{sent} Erinnerung(en) verschickt / reminder(s) sent ({muni.slug})")
