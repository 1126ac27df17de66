from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.consulting import services
from rathaus.core.tenancy.services import municipality_option


class Command(BaseCommand):
    help = (
        "Send reminders for consulting appointments starting within the next 24 hours "
        "(each booking gets one reminder; safe to run every few minutes, e.g. from cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="slug of the municipality, e.g. zeitz")

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        assert muni is not None  # the option is required
        sent = services.send_reminders(muni)
        self.stdout.write(f"{sent} Erinnerung(en) verschickt / reminder(s) sent ({muni.slug})")
