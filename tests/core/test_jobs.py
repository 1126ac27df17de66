"""Recoverable background work (issue 14, point 3): a job of a dead worker is detected, failed
cleanly with a message, and /health reports it until then."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rathaus.core.jobs import services as jobs
from rathaus.core.jobs.models import WorkerHeartbeat


def _task(status: str = "RUNNING", worker: str = "w-dead", started_minutes_ago: int = 30):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        task_path="rathaus.core.tasks.send_email",
        queue_name="default",
        backend_name="default",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        status=status,
        started_at=timezone.now() - timedelta(minutes=started_minutes_ago),
        worker_ids=[worker],
    )


def _health():
    return Client(HTTP_HOST="zeitz.testserver").get("/health/ready")


@pytest.mark.django_db
def test_running_task_of_a_dead_worker_is_detected_failed_and_reported(muni_a):
    old = timezone.now() - timedelta(minutes=settings.RATHAUS_JOB_STALE_MINUTES + 5)
    WorkerHeartbeat.objects.create(worker_id="w-dead", started_at=old, beat_at=old)
    WorkerHeartbeat.objects.create(worker_id="w-alive", started_at=old, beat_at=timezone.now())
    dead = _task(worker="w-dead")
    alive = _task(worker="w-alive")
    never = _task(worker="w-without-heartbeat")
    fresh = _task(worker="w-new", started_minutes_ago=1)  # just started, no heartbeat needed yet

    response = _health()
    assert response.status_code == 503 and response.json()["status"] == "error"
    check = response.json()["checks"]["jobs"]
    assert check["ok"] is False and check["by_kind"]["tasks"] == 2 and check["workers"] == 1

    call_command("recover_jobs")
    for r in (dead, alive, never, fresh):
        r.refresh_from_db()
    assert (dead.status, never.status) == ("FAILED", "FAILED")
    assert (alive.status, fresh.status) == ("RUNNING", "RUNNING")
    assert dead.exception_class_path == jobs.LOST_EXCEPTION and "abgebrochen" in dead.traceback
    assert dead.finished_at is not None
    assert _health().json()["checks"]["jobs"]["ok"] is True
    assert jobs.recover() == {"tasks": 0, "imports": 0}  # idempotent (heritage imports are import jobs)


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_beats_and_removes_its_row(monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    heart = jobs.HeartbeatThread("w-test")
    heart.start()
    deadline = time.monotonic() + 10
    beats = set()
    while len(beats) < 2 and time.monotonic() < deadline:
        row = WorkerHeartbeat.objects.filter(worker_id="w-test").first()
        if row is not None:
            beats.add(row.beat_at)
        time.sleep(0.02)
    heart.stop()
    assert len(beats) >= 2  # it beats repeatedly
    assert not heart.is_alive()
    assert not WorkerHeartbeat.objects.filter(worker_id="w-test").exists()


# transaction=True: db_worker closes the database connection between tasks (as a real worker does),
# which on PostgreSQL would end the transaction an ordinary test runs in.
@pytest.mark.django_db(transaction=True)
def test_run_worker_recovers_at_start_and_runs_tasks(muni_a):
    from django.core import mail
    from django.test import override_settings

    from rathaus.core import tasks

    dead = _task(worker="w-gone")
    db_tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=db_tasks):
        tasks.send_email.enqueue("Betreff", "Text", ["a@example.org"])
        call_command("run_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "--worker-id", "w-1")
    dead.refresh_from_db()
    assert dead.status == "FAILED"
    assert len(mail.outbox) == 1
    assert not WorkerHeartbeat.objects.filter(worker_id="w-1").exists()  # removed on a clean exit
