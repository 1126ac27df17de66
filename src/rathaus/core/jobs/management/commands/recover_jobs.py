"""Mark background work of dead workers failed (also run by ``run_worker`` at start and every 5 min)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.core.jobs import services


class Command(BaseCommand):
    help = "Hängende Hintergrundarbeit als fehlgeschlagen markieren / fail work of dead workers."

    def handle(self, *args: Any, **options: Any) -> None:
        done = services.recover()
        total = sum(done.values())
        parts = ", ".join(f"{k}: {v}" for k, v in done.items())
        self.stdout.write(f"{total} hängende Vorgänge beendet / stuck jobs failed ({parts})")
