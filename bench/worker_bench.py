"""Task worker benchmark (issue 19): N tasks through 1 vs 2 (or more) ``manage.py run_worker``
processes on PostgreSQL (django-tasks-db, claims with SELECT … FOR UPDATE SKIP LOCKED).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rathaus .venv/bin/python bench/worker_bench.py \
        [--tasks 300] [--workers 1 2] [--work-ms 0 20]

For every combination it starts the worker processes, waits until each has written its heartbeat,
enqueues N tasks in one transaction, and measures the time until all are SUCCESSFUL: tasks per
second, and the number of tasks run more than once (from a file each run appends to; must be 0).
A throwaway database ``rathaus_worker_bench_<pid>`` is created and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.throwaway_pg import run_in_throwaway_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--work-ms", type=int, nargs="+", default=[0, 20], help="work per task (sleep)")
    args = parser.parse_args()
    return run_in_throwaway_database("worker_bench", "bench.localhost", lambda: run(args))


def _wait(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.02)


def run(args: argparse.Namespace) -> int:
    os.environ["RATHAUS_TASK_BACKEND"] = "django_tasks_db.DatabaseBackend"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from bench.worker_tasks import work
    from rathaus.core.jobs.models import WorkerHeartbeat

    call_command("migrate", verbosity=0)
    rows = []
    for work_ms in args.work_ms:
        for count in args.workers:
            DBTaskResult.objects.all().delete()
            WorkerHeartbeat.objects.all().delete()
            ran = Path(tempfile.mkstemp(prefix="worker-bench-")[1])
            ids = [f"bench-{count}-{i}" for i in range(count)]
            cmd = [sys.executable, "manage.py", "run_worker", "--queue-name", "default", "--interval", "0.05"]
            procs = [
                subprocess.Popen(
                    [*cmd, "--no-startup-delay", "--worker-id", i],
                    cwd=ROOT,
                    env=dict(os.environ),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for i in ids
            ]
            try:
                _wait(
                    lambda ids=ids: WorkerHeartbeat.objects.filter(worker_id__in=ids).count() == len(ids), 120
                )
                with transaction.atomic():
                    for n in range(args.tasks):
                        work.enqueue(n, str(ran), work_ms / 1000)
                start = time.perf_counter()
                _wait(lambda: DBTaskResult.objects.successful().count() == args.tasks, 600)
                elapsed = time.perf_counter() - start
            finally:
                for p in procs:
                    p.send_signal(signal.SIGTERM)
                for p in procs:
                    p.wait(timeout=30)
            runs = Counter(line.split()[0] for line in ran.read_text().splitlines())
            per_pid = Counter(line.split()[1] for line in ran.read_text().splitlines())
            ran.unlink()
            rows.append(
                (
                    work_ms,
                    count,
                    args.tasks,
                    elapsed,
                    args.tasks / elapsed,
                    sum(c - 1 for c in runs.values()),
                    args.tasks - len(runs),
                    "/".join(str(v) for v in sorted(per_pid.values(), reverse=True)),
                )
            )
    print("| work per task | workers | tasks | seconds | tasks/s | run twice | lost | tasks per worker |")
    print("|---|---|---|---|---|---|---|---|")
    for work_ms, count, tasks, elapsed, rate, dup, lost, split in rows:
        print(f"| {work_ms} ms | {count} | {tasks} | {elapsed:.2f} | {rate:.0f} | {dup} | {lost} | {split} |")
    return 0 if all(r[5] == 0 and r[6] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
