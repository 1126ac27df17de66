"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from rathaus.core.jobs.scheduler import MONTHLY, ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="strategy_snapshot",
            interval=MONTHLY,
            run=services.snapshot,
            description="Hält berechnete Indikatoren für den Monat fest / snapshots computed indicators",
            module="strategy",
        ),
    ]
