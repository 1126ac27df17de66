"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="erase_expired_cases",
            interval=timedelta(days=1),
            run=services.erase_expired,
            description="Aufbewahrungsfrist abgeschlossener Anträge / retention of applications",
            module="cases",
        ),
    ]
