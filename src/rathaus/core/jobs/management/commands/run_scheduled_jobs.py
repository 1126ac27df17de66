"""Run every periodic job that is due, for every municipality (issue 22; docs/operations.md).

Run it every minute on every node (cron or a systemd timer), or ``--loop`` as a service. A lease per
job (table ``jobs_scheduledjobrun``) makes sure two nodes never run the same job at the same time.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from rathaus.core.jobs import scheduler
from rathaus.core.jobs.models import ScheduledJobRun


class Command(BaseCommand):
    help = "Fällige regelmäßige Aufgaben ausführen / run the periodic jobs that are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="immer wieder laufen / keep running")
        parser.add_argument("--interval", type=int, default=60, help="Sekunden zwischen Durchläufen (--loop)")
        parser.add_argument("--job", action="append", default=[], help="nur diese Aufgabe(n) / only this job")
        parser.add_argument(
            "--force", action="store_true", help="auch wenn nicht fällig (mit --job) / even if not due"
        )
        parser.add_argument(
            "--list", action="store_true", help="Aufgaben und letzten Lauf zeigen / list jobs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = scheduler.registered()
        if options["job"]:
            known = {j.name for j in jobs}
            unknown = sorted(set(options["job"]) - known)
            if unknown:
                raise CommandError(
                    f"Unbekannte Aufgabe / unknown job: {', '.join(unknown)} "
                    f"(bekannt / known: {', '.join(sorted(known))})"
                )
            jobs = [j for j in jobs if j.name in options["job"]]
        elif options["force"]:
            raise CommandError("--force nur mit --job / --force only with --job")
        if options["list"]:
            self._list(jobs)
            return
        if options["interval"] < 1:
            raise CommandError("--interval muss mindestens 1 sein / must be at least 1")
        while True:
            self._pass(jobs, options["force"])
            if not options["loop"]:
                return
            close_old_connections()
            time.sleep(options["interval"])

    def _pass(self, jobs: list[scheduler.ScheduledJob], force: bool) -> None:
        try:
            outcomes = scheduler.run_due(jobs, force=force)
        except Exception as exc:  # e.g. database away: the loop tries again
            self.stderr.write(f"Durchlauf fehlgeschlagen / pass failed: {exc}")
            return
        for o in outcomes:
            if o.status != "skipped":
                self.stdout.write(f"{o.name}: {o.status} {o.message}".rstrip())

    def _list(self, jobs: list[scheduler.ScheduledJob]) -> None:
        rows = {r.name: r for r in ScheduledJobRun.objects.filter(name__in=[j.name for j in jobs])}
        for job in jobs:
            row = rows.get(job.name)
            last = (
                f"{row.last_started_at:%Y-%m-%d %H:%M} {row.last_outcome}"
                if row and row.last_started_at
                else "-"
            )
            scope = "je Kommune" if job.per_municipality else "Plattform"
            self.stdout.write(f"{job.name:28} {job.interval_label():18} {scope:11} {last}")
