from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.search import services
from rathaus.core.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Rebuild the site-wide search index of one or all municipalities."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", help="slug; default: all municipalities")

    def handle(self, *args: Any, **opts: Any) -> None:
        qs = Municipality.objects.all()
        if opts["municipality"]:
            qs = qs.filter(slug=opts["municipality"])
            if not qs.exists():
                raise CommandError(f"Unbekannte Kommune / unknown municipality: {opts['municipality']}")
        for muni in qs:
            count = services.rebuild(muni)
            self.stdout.write(f"{muni.slug}: {count} Dokumente indexiert")
