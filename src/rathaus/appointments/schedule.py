"""Periodic jobs of the Terminvergabe, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="appointments_reminders_and_expiry",
            interval=timedelta(minutes=15),
            run=services.run_periodic,
            description="Terminvergabe: Erinnerungen, unbestätigte Anfragen verfallen / reminders, expiry",
            module="appointments",
        ),
    ]
