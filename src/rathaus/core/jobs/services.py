"""Recoverable background work: worker heartbeats, stale detection and recovery.

A worker started with ``manage.py run_worker`` (django-tasks-db's ``db_worker`` plus this) writes a
heartbeat row every ``HEARTBEAT_SECONDS``. A task result that is still ``RUNNING`` although the
worker that claimed it has not beaten for ``RATHAUS_JOB_STALE_MINUTES`` belongs to a dead worker
(kill -9, power loss, OOM killer): :func:`recover` puts it back in the queue while it has been
claimed fewer than ``RATHAUS_JOB_MAX_ATTEMPTS`` times (another worker then runs it again; default 1
= never re-run, because a task must be idempotent to be re-run), else marks it failed with a clear
message. Modules
with their own job rows (the heritage import) register a :class:`StaleSource` whose rows carry their
own heartbeat; they are failed the same way, so the job page says what happened.

``/health`` reports what :func:`find_stale` counts (rows nobody has recovered yet).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 20
RECOVER_EVERY_SECONDS = 300
LOST_EXCEPTION = "rathaus.core.jobs.WorkerLost"


def stale_after() -> timedelta:
    seconds = getattr(settings, "RATHAUS_JOB_STALE_SECONDS", None)
    if seconds:  # finer than minutes (tests, clusters with a short failover)
        return timedelta(seconds=float(seconds))
    return timedelta(minutes=int(getattr(settings, "RATHAUS_JOB_STALE_MINUTES", 10)))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "RATHAUS_JOB_HEARTBEAT_SECONDS", None) or HEARTBEAT_SECONDS)


def recover_every_seconds() -> float:
    return float(getattr(settings, "RATHAUS_JOB_RECOVER_SECONDS", None) or RECOVER_EVERY_SECONDS)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "RATHAUS_JOB_MAX_ATTEMPTS", 1) or 1))


def lost_message() -> str:
    minutes = max(1, int(stale_after().total_seconds() // 60))
    return _(
        "Die Verarbeitung wurde abgebrochen: der Hintergrundprozess hat sich seit %(m)d Minuten nicht "
        "mehr gemeldet (zum Beispiel beendet oder abgestürzt). Bitte starten Sie den Vorgang erneut."
    ) % {"m": minutes}


@dataclass(frozen=True)
class StaleSource:
    """A module's job rows: ``count(cutoff)`` stale rows, ``fail(cutoff, message)`` → rows failed."""

    name: str
    count: Callable[[datetime], int]
    fail: Callable[[datetime, str], int]


_SOURCES: dict[str, StaleSource] = {}


def register_stale_source(source: StaleSource) -> None:
    _SOURCES[source.name] = source


def _tasks_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("django_tasks_db")


def _stale_task_results(cutoff: datetime) -> list[object]:
    """Running task results whose worker has not beaten since ``cutoff`` (or never did)."""
    from django_tasks_db.models import DBTaskResult

    running = list(DBTaskResult.objects.running().filter(started_at__lt=cutoff).only("id", "worker_ids"))
    if not running:
        return []
    alive = set(WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    return [r for r in running if not (r.worker_ids and r.worker_ids[-1] in alive)]


def find_stale(now: datetime | None = None) -> dict[str, int]:
    """How many rows of each kind are stuck (``tasks`` = task results of dead workers)."""
    cutoff = (now or timezone.now()) - stale_after()
    found = {"tasks": len(_stale_task_results(cutoff)) if _tasks_installed() else 0}
    for name, source in _SOURCES.items():
        found[name] = source.count(cutoff)
    return found


def recover(now: datetime | None = None) -> dict[str, int]:
    """Mark stuck work failed with a clear message; returns the number of rows per kind."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    message = lost_message()
    done = {"tasks": 0}
    if _tasks_installed():
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        stale = _stale_task_results(cutoff)
        attempts = max_attempts()
        # worker_ids grows by one per claim, so its length is the number of attempts so far.
        again = [r.pk for r in stale if len(r.worker_ids or []) < attempts]  # type: ignore[attr-defined]
        ids = [r.pk for r in stale if len(r.worker_ids or []) >= attempts]  # type: ignore[attr-defined]
        if again:
            # Back into the queue, guarded by status and start: a row another worker's recovery
            # already requeued, that finished meanwhile or that a live worker claimed again since
            # is not touched.
            done["requeued"] = DBTaskResult.objects.filter(
                pk__in=again, status=TaskResultStatus.RUNNING, started_at__lt=cutoff
            ).update(status=TaskResultStatus.READY, started_at=None)
        if ids:
            done["tasks"] = DBTaskResult.objects.filter(
                pk__in=ids, status=TaskResultStatus.RUNNING, started_at__lt=cutoff
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=LOST_EXCEPTION,
                traceback=message,
                return_value=None,
            )
    for name, source in _SOURCES.items():
        done[name] = source.fail(cutoff, message)
    if any(done.values()):
        logger.warning("Stuck background work marked failed: %s", done)
    WorkerHeartbeat.objects.filter(beat_at__lt=now - 10 * stale_after()).delete()
    return done


def beat(worker_id: str, started_at: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": timezone.now(),
        },
    )


class HeartbeatThread(threading.Thread):
    """Beats for one worker id and runs :func:`recover` now and then, until :meth:`stop`."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self._stop_event = threading.Event()

    def run(self) -> None:
        last_recover = 0.0
        elapsed = 0.0
        try:
            while not self._stop_event.is_set():
                try:
                    close_old_connections()
                    beat(self.worker_id, self.started_at)
                    if elapsed - last_recover >= recover_every_seconds():
                        recover()
                        last_recover = elapsed
                except Exception:  # a database hiccup must not end the heartbeat
                    logger.exception("Worker heartbeat failed")
                self._stop_event.wait(heartbeat_seconds())
                elapsed += heartbeat_seconds()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=heartbeat_seconds() + 5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
