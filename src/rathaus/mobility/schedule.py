"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="mobility_cleanup",
            interval=timedelta(days=1),
            run=lambda _none: len(services.cleanup_stale()),
            description="Entfernt Reste abgebrochener Fahrplan-Importe / removes leftovers of killed imports",
            per_municipality=False,
            module="mobility",
        ),
    ]
