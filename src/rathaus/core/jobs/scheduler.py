"""One platform-wide scheduler for periodic jobs (issue 22): ``manage.py run_scheduled_jobs``.

Modules declare their periodic jobs (``schedule=`` in ``apps.py``: a ``schedule.py`` function
returning ``ScheduledJob`` objects; rathaus.core.modules registers them with :func:`register`); core
never imports a module. Every node runs ``run_scheduled_jobs`` every
minute (cron/systemd timer) or ``run_scheduled_jobs --loop`` as a service. Each pass runs every job
that is due, for every active municipality when the job is per municipality.

Lock: each job has a row in ``jobs_scheduledjobrun``. A node claims a job with ONE conditional
UPDATE (``WHERE name = … AND job due AND (no lease OR lease expired)``) that sets ``locked_by``,
``locked_until`` (the lease) and ``last_started_at``. The database serialises concurrent UPDATEs of
the same row (PostgreSQL re-checks the WHERE after the other transaction committed; SQLite writes
under its database write lock), so exactly one node gets ``rowcount == 1``; the others skip the
job. A node that dies mid-job leaves its lease, which expires at ``locked_until``: then another node
takes the job over. A failing job (or a failing municipality of a job) is logged and recorded and
does not stop the others.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from .models import ScheduledJobRun

logger = logging.getLogger(__name__)

# A job counts as due a little early, so that a job with a 5-minute interval run by a one-minute
# timer does not slip by a minute each time (the pass starts a few seconds later every time).
EARLY = timedelta(seconds=30)
DEFAULT_LEASE = timedelta(minutes=30)
MONTHLY = "monthly"


@dataclass(frozen=True)
class ScheduledJob:
    """A periodic job.

    ``run(municipality)`` is called once per active municipality when ``per_municipality`` is true,
    once with ``None`` otherwise (platform-wide work). ``interval`` is a timedelta or ``"monthly"``
    (once per calendar month). ``lease`` bounds how long a run may hold the lock before another node
    may take the job over (choose it longer than the job's longest run).
    """

    name: str
    interval: timedelta | str
    run: Callable[[Any], object]
    description: str = ""
    per_municipality: bool = True
    module: str = ""
    lease: timedelta = DEFAULT_LEASE

    def due_before(self, now: datetime) -> datetime:
        """The job is due when its last start is at or before this moment."""
        if self.interval == MONTHLY:
            local = timezone.localtime(now)
            return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(microseconds=1)
        assert isinstance(self.interval, timedelta)
        return now - self.interval + EARLY

    def interval_label(self) -> str:
        if self.interval == MONTHLY:
            return "monatlich / monthly"
        assert isinstance(self.interval, timedelta)
        minutes = int(self.interval.total_seconds() // 60)
        if minutes % (24 * 60) == 0:
            return f"{minutes // (24 * 60)} d"
        if minutes % 60 == 0:
            return f"{minutes // 60} h"
        return f"{minutes} min"


_JOBS: dict[str, ScheduledJob] = {}


def register(job: ScheduledJob) -> None:
    if job.interval != MONTHLY and not (isinstance(job.interval, timedelta) and job.interval > timedelta(0)):
        raise ValueError(f"interval of {job.name} must be a positive timedelta or 'monthly'")
    _JOBS[job.name] = job


def registered() -> list[ScheduledJob]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def node_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Outcome:
    name: str
    status: str  # "ok", "failed", "skipped"
    message: str = ""


def _ensure_rows(jobs: Iterable[ScheduledJob]) -> None:
    ScheduledJobRun.objects.bulk_create([ScheduledJobRun(name=j.name) for j in jobs], ignore_conflicts=True)


def claim(job: ScheduledJob, node: str, now: datetime | None = None, force: bool = False) -> bool:
    """Take the job's lease if it is due and nobody holds a live lease: True for exactly one caller."""
    now = now or timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    due = Q(last_started_at__isnull=True) | Q(last_started_at__lte=job.due_before(now))
    query = ScheduledJobRun.objects.filter(free, name=job.name)
    if not force:
        query = query.filter(due)
    return (
        query.update(
            locked_by=node,
            locked_until=now + job.lease,
            last_started_at=now,
            last_outcome=ScheduledJobRun.RUNNING,
            last_message="",
        )
        == 1
    )


def _targets(job: ScheduledJob) -> list[Any]:
    if not job.per_municipality:
        return [None]
    from rathaus.core.tenancy.models import Municipality

    return list(Municipality.objects.filter(is_active=True).order_by("slug"))


def execute(job: ScheduledJob, node: str) -> Outcome:
    """Run a claimed job (every municipality, one failure does not stop the next), record, release."""
    errors: list[str] = []
    results: list[str] = []
    for target in _targets(job):
        label = getattr(target, "slug", "") or "*"
        try:
            result = job.run(target)
            results.append(f"{label}: {result}" if result is not None else label)
        except Exception as exc:  # recorded, the next municipality/job still runs
            logger.exception("Scheduled job %s failed for %s", job.name, label)
            errors.append(f"{label}: {type(exc).__name__}: {exc}")
    status = ScheduledJobRun.FAILED if errors else ScheduledJobRun.OK
    message = "; ".join(errors or results)[:4000]
    ScheduledJobRun.objects.filter(name=job.name, locked_by=node).update(
        last_finished_at=timezone.now(),
        last_outcome=status,
        last_message=message,
        locked_by="",
        locked_until=None,
        run_count=F("run_count") + 1,
    )
    return Outcome(job.name, status, message)


def run_due(
    jobs: Iterable[ScheduledJob] | None = None,
    node: str | None = None,
    now: datetime | None = None,
    force: bool = False,
) -> list[Outcome]:
    """One pass: every due job whose lease this node gets runs; the others are reported skipped."""
    jobs = list(registered() if jobs is None else jobs)
    node = node or node_id()
    _ensure_rows(jobs)
    outcomes = []
    for job in jobs:
        try:
            if not claim(job, node, now=now, force=force):
                outcomes.append(Outcome(job.name, "skipped"))
                continue
        except Exception as exc:  # e.g. a lock timeout: try again next pass
            logger.exception("Could not claim scheduled job %s", job.name)
            outcomes.append(Outcome(job.name, "skipped", str(exc)))
            continue
        outcomes.append(execute(job, node))
    return outcomes
