"""Retention: erase personal data of closed applications after the service's retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.cases import services
from rathaus.core.tenancy.services import municipality_option


class Command(BaseCommand):
    help = "Löscht personenbezogene Daten abgeschlossener Anträge nach Ablauf der Aufbewahrungsfrist."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--municipality", default="", help="Kurzname (slug) der Kommune; ohne: alle")
        parser.add_argument("--dry-run", action="store_true", help="nur zählen, nichts löschen")

    def handle(self, *args: Any, **opts: Any) -> None:
        muni = municipality_option(opts["municipality"])
        if opts["dry_run"]:
            n = services.expired(muni).count()
            self.stdout.write(f"{n} Anträge wären zu löschen.")
            return
        n = services.erase_expired(muni)
        self.stdout.write(f"{n} Anträge anonymisiert.")
