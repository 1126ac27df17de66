"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="release_no_shows",
            interval=timedelta(minutes=5),
            run=services.release_no_shows,
            description="Gibt Buchungen ohne Check-in nach der Karenzzeit frei / releases no-show bookings",
            module="hub",
        ),
    ]
