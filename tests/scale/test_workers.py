"""Several workers (issue 19): real ``manage.py run_worker`` processes on PostgreSQL take tasks
with ``SELECT … FOR UPDATE SKIP LOCKED`` without running one twice, and the task of a worker killed
with SIGKILL is found through its missing heartbeat and run again by the other worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from rathaus.core.jobs import services as jobs
from rathaus.core.jobs.models import WorkerHeartbeat

from . import worker_tasks

ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _requires_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "several worker processes claim with SELECT … FOR UPDATE SKIP LOCKED, which production "
            "runs on PostgreSQL; SQLite serialises writers and is for one process (make run)"
        )


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(worker_id: str, log: Path, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DATABASE_URL=_database_url(),  # the live test database of this test
        RATHAUS_SECRET_KEY="worker-test-secret-" + "x" * 40,
        RATHAUS_TASK_BACKEND="django_tasks_db.DatabaseBackend",
        RATHAUS_DEBUG="0",
        **extra_env,
    )
    cmd = [sys.executable, "manage.py", "run_worker", "--queue-name", "default", "--interval", "0.1"]
    cmd += ["--no-startup-delay", "--worker-id", worker_id]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(ids: list[str], extra_env: dict[str, str] | None = None) -> list[subprocess.Popen[bytes]]:
        procs = [_start_worker(i, tmp_path / f"{i}.log", extra_env or {}) for i in ids]
        started.extend(procs)
        _wait(lambda: WorkerHeartbeat.objects.filter(worker_id__in=ids).count() == len(ids), 180, tmp_path)
        return procs

    yield start
    for p in started:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in started:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _wait(condition, seconds: float, logs: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    output = "\n".join(f"--- {f.name}\n{f.read_text()[-3000:]}" for f in sorted(logs.glob("*.log")))
    pytest.fail(f"condition not reached within {seconds} s\n{output}")


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_fifty_tasks_each_exactly_once(workers, tmp_path):
    _requires_postgres()
    from django_tasks_db.models import DBTaskResult

    w1, w2 = workers(["w-one", "w-two"])
    ran = tmp_path / "ran.txt"
    with override_settings(TASKS=DB_TASKS):
        for n in range(50):
            worker_tasks.record.enqueue(n, str(ran), 0.05)
    _wait(lambda: DBTaskResult.objects.successful().count() == 50, 120, tmp_path)

    lines = [line.split() for line in ran.read_text().splitlines()]
    assert sorted(int(n) for n, _pid in lines) == list(range(50))  # each once: none lost, none twice
    assert {int(pid) for _n, pid in lines} == {w1.pid, w2.pid}  # both processes took work
    results = list(DBTaskResult.objects.all())
    assert len(results) == 50
    assert all(len(r.worker_ids) == 1 for r in results)  # claimed once each
    assert {r.worker_ids[0] for r in results} == {"w-one", "w-two"}
    assert sorted(r.return_value for r in results) == list(range(50))


@pytest.mark.django_db(transaction=True)
def test_task_of_a_killed_worker_is_detected_and_run_again_on_the_other(workers, tmp_path):
    _requires_postgres()
    from django_tasks_db.models import DBTaskResult

    fast = {
        "RATHAUS_JOB_HEARTBEAT_SECONDS": "0.5",
        "RATHAUS_JOB_STALE_SECONDS": "3",
        "RATHAUS_JOB_RECOVER_SECONDS": "1",
        "RATHAUS_JOB_MAX_ATTEMPTS": "2",
    }
    procs = {p.pid: p for p in workers(["w-a", "w-b"], fast)}
    first, second = procs
    pids = {"w-a": first, "w-b": second}
    log = tmp_path / "hang.txt"
    with override_settings(TASKS=DB_TASKS):
        result = worker_tasks.hang_first_time.enqueue(str(log))
    _wait(lambda: log.exists() and log.read_text().startswith("start"), 60, tmp_path)
    first_pid = int(log.read_text().split()[1])
    victim = procs[first_pid]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "RUNNING"  # the dead worker left it running

    _wait(lambda: DBTaskResult.objects.get(pk=result.id).status in ("SUCCESSFUL", "FAILED"), 60, tmp_path)
    row = DBTaskResult.objects.get(pk=result.id)
    survivor = next(w for w, pid in pids.items() if pid != first_pid)
    assert row.status == "SUCCESSFUL" and row.return_value == "done"
    assert row.worker_ids[-1] == survivor and len(row.worker_ids) == 2
    lines = log.read_text().splitlines()
    assert lines == [f"start {first_pid}", f"start {pids[survivor]}", f"done {pids[survivor]}"]
    assert DBTaskResult.objects.count() == 1  # re-run, not duplicated


def _running(worker: str, attempts: int, minutes_ago: int = 30):  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        task_path="rathaus.core.tasks.send_email",
        queue_name="default",
        backend_name="default",
        args_kwargs={"args": [], "kwargs": {}},
        status="RUNNING",
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        worker_ids=[f"{worker}-{i}" for i in range(attempts - 1)] + [worker],
    )


@pytest.mark.django_db
def test_recovery_requeues_until_max_attempts_then_fails(settings):
    settings.RATHAUS_JOB_MAX_ATTEMPTS = 2
    first = _running("w-dead", attempts=1)
    second = _running("w-dead", attempts=2)
    fresh = _running("w-dead", attempts=1, minutes_ago=0)  # started just now: not stale yet
    done = jobs.recover()
    assert done["requeued"] == 1 and done["tasks"] == 1
    for r in (first, second, fresh):
        r.refresh_from_db()
    assert (first.status, first.started_at) == ("READY", None)
    assert second.status == "FAILED" and second.exception_class_path == jobs.LOST_EXCEPTION
    assert fresh.status == "RUNNING"


@pytest.mark.django_db
def test_default_is_one_attempt_so_a_lost_task_fails(settings):
    assert settings.RATHAUS_JOB_MAX_ATTEMPTS == 1
    lost = _running("w-dead", attempts=1)
    assert jobs.recover()["tasks"] == 1
    lost.refresh_from_db()
    assert lost.status == "FAILED"


@pytest.mark.django_db(transaction=True)
def test_import_job_runs_in_a_real_worker_and_reports_to_the_job_page(workers, tmp_path, muni_a, settings):
    """The catalogue CSV import as an import job (rathaus.core.jobs.imports): the view's process
    stores the file and queues the task, a ``run_worker`` process runs the importer."""
    _requires_postgres()
    from rathaus.catalog.models import Service
    from rathaus.core.context import ServiceContext
    from rathaus.core.jobs import imports
    from rathaus.core.jobs.models import ImportJob

    workers(["w-import"], {"RATHAUS_PRIVATE_ROOT": str(settings.PRIVATE_ROOT)})
    rows = "".join(f"Leistung {n};Kurz {n};umwelt\n" for n in range(40))
    data = ("name;summary;themenfeld\n" + rows).encode()
    with override_settings(TASKS=DB_TASKS):
        job, started = imports.start_import(ServiceContext.system(muni_a), "catalog.csv", "l.csv", data)
    assert started
    _wait(lambda: ImportJob.objects.get(pk=job.pk).status in ("done", "failed"), 120, tmp_path)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 40, 40), job.message
    assert job.result == {"created": 40, "updated": 0} and job.heartbeat_at is not None
    assert Service.objects.for_tenant(muni_a).count() == 40
