"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="send_consulting_reminders",
            interval=timedelta(hours=1),
            run=services.send_reminders,
            description="Erinnerung an Beratungstermine / consulting reminders",
            module="consulting",
        ),
        ScheduledJob(
            name="expire_consulting_guest_requests",
            interval=timedelta(minutes=15),
            run=services.expire_guest_requests,
            description="Unbestätigte Gast-Anfragen löschen / delete unconfirmed guest requests",
            module="consulting",
        ),
    ]
