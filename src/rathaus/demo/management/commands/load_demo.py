from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from rathaus.demo.guard import require_demo
from rathaus.demo.registry import steps


class Command(BaseCommand):
    help = "Load the Zeitz and Musterstadt demo data. Idempotent: a second run changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        require_demo()
        autodiscover_modules("demo")
        for _order, name, fn in steps():
            with transaction.atomic():
                fn(self)
            self.stdout.write(f"  ✓ {name}")
        self.stdout.write(self.style.SUCCESS("Demodaten geladen / demo data loaded."))
