"""Periodic jobs of this module, run by ``manage.py run_scheduled_jobs`` (docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta

from rathaus.core.jobs.scheduler import ScheduledJob, register

from . import services


def register_jobs() -> None:
    register(
        ScheduledJob(
            name="opendata_sync",
            interval=timedelta(hours=1),
            run=services.sync_module_datasets,
            description="Gleicht die Modul-Datensätze des DCAT-Katalogs ab / syncs module datasets",
            module="opendata",
        )
    )
