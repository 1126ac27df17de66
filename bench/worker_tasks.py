"""The task bench/worker_bench.py enqueues (the worker processes import it by path)."""

from __future__ import annotations

import os
import time

from django_tasks import task


@task()
def work(n: int, path: str, seconds: float) -> int:
    with open(path, "a") as f:  # O_APPEND: lines of concurrent workers never interleave
        f.write(f"{n} {os.getpid()}\n")
    if seconds:
        time.sleep(seconds)
    return n
