"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob

from . import services


def jobs() -> list[ScheduledJob]:
    """Declared in apps.py (ADR 0014)."""
    return [
        ScheduledJob(
            name="opendata_sync",
            interval=timedelta(hours=1),
            run=services.sync_module_datasets,
            description="Gleicht die Modul-Datensätze des DCAT-Katalogs ab / syncs module datasets",
            module="opendata",
        ),
    ]
