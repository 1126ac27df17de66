"""One harness for the race tests: run many calls at once against a real database, collect the outcomes.

    outcomes = race(book_one, users, workers=50)        # one thread per call, started at a barrier
    assert [o.error for o in outcomes if o.error] == []
    values = [o.value for o in outcomes]

Each call runs on its own thread with its own database connection (Django's connections are per
thread) and closes it when done. The first ``workers`` calls wait at a barrier so they really start
together; a call that waits longer than ``barrier_timeout`` starts anyway (the race is then less
tight, never wrong). ``max_connections`` bounds how many calls hold a connection at the same moment
(PostgreSQL's ``max_connections`` is shared with the test's own connection and other processes).

Parallel writers need a database several connections can share: PostgreSQL, or SQLite in a file.
The default SQLite test database is in memory (one connection), so a SQLite race test skips there
and ``rerun_on_sqlite_file`` runs it again in a subprocess on a file database
(``RATHAUS_TEST_SQLITE_NAME``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import close_old_connections, connection, connections


@dataclass
class Outcome:
    """What one call returned, or the exception it raised (``error``)."""

    value: Any = None
    error: BaseException | None = None


def race(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    workers: int | None = None,
    max_connections: int | None = None,
    barrier_timeout: float = 30,
) -> list[Outcome]:
    """Call ``fn(item)`` for every item in parallel threads; the outcomes in the items' order."""
    items = list(items)
    workers = min(workers or len(items), len(items)) or 1
    barrier = threading.Barrier(workers)
    slots = threading.BoundedSemaphore(max_connections) if max_connections else contextlib.nullcontext()

    def one(index_item: tuple[int, Any]) -> Outcome:
        index, item = index_item
        if index < workers:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=barrier_timeout)
        with slots:
            close_old_connections()
            try:
                return Outcome(value=fn(item))
            except BaseException as exc:  # reported to the test, which decides what is expected
                return Outcome(error=exc)
            finally:
                connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, enumerate(items)))


def errors(outcomes: list[Outcome]) -> list[str]:
    """The unexpected exceptions, readable in an assertion message."""
    return [f"{type(o.error).__name__}: {o.error}" for o in outcomes if o.error is not None]


def values(outcomes: list[Outcome]) -> list[Any]:
    return [o.value for o in outcomes if o.error is None]


def in_memory_sqlite() -> bool:
    if connection.vendor != "sqlite":
        return False
    name = str(connection.settings_dict["NAME"])
    return name == ":memory:" or "mode=memory" in name


def require_postgresql(reason: str) -> None:
    """Skip unless the test database is PostgreSQL (row locks, constraints, many connections)."""
    if connection.vendor != "postgresql":
        pytest.skip(reason)


def require_shared_sqlite(reason: str) -> None:
    """Skip unless the test database is SQLite in a file that parallel threads can share."""
    if connection.vendor != "sqlite":
        pytest.skip(reason)
    if in_memory_sqlite():
        pytest.skip("in-memory SQLite cannot be shared between threads; set RATHAUS_TEST_SQLITE_NAME")


def rerun_on_sqlite_file(tmp_path: Path, test_file: str, test_name: str) -> None:
    """Run ``test_file::test_name`` again in a subprocess on a SQLite file database; it must pass."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    if connection.settings_dict["TEST"].get("NAME") or not in_memory_sqlite():
        pytest.skip("already running on a file database: the race test ran directly")
    env = {**os.environ, "RATHAUS_TEST_SQLITE_NAME": str(tmp_path / "race.sqlite3")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{test_file}::{test_name}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
