"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="send_event_reminders",
            interval=timedelta(hours=1),
            run=services.send_reminders,
            description="Erinnerungen vor Veranstaltungen / event reminders",
            module="events",
        ),
    ]
