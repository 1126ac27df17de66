"""Tasks the multi-worker tests enqueue; the worker subprocesses import them by path."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


def _append(path: str, line: str) -> list[str]:
    """Append one line (O_APPEND: lines of concurrent processes never interleave) → lines before."""
    file = Path(path)
    before = file.read_text().splitlines() if file.exists() else []
    with open(file, "a") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())
    return before


@task()
def record(n: int, path: str, seconds: float) -> int:
    """One unit of work: note who ran task ``n``, then work for ``seconds``."""
    _append(path, f"{n} {os.getpid()}")
    time.sleep(seconds)
    return n


@task()
def hang_first_time(path: str) -> str:
    """The first run hangs (its worker gets killed); a later run finishes at once."""
    before = _append(path, f"start {os.getpid()}")
    if not before:
        time.sleep(300)
    _append(path, f"done {os.getpid()}")
    return "done"
