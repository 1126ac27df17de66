"""Many people racing for the last seats: exactly capacity seat holders, the rest queued in order.

PostgreSQL: real threads with their own connections; the event row lock (SELECT … FOR UPDATE)
serialises them. SQLite: the same race through BEGIN IMMEDIATE transactions (threads share the file
database; each waits for the write lock and re-checks inside it).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from rathaus.events import services
from rathaus.events.models import Registration, RegistrationStatus

from .conftest import make_event

R = RegistrationStatus


# The server's max_connections (100 by default) is shared with the test's own connection and other
# test processes: at most this many threads hold a connection at the same moment.
MAX_CONNECTIONS = int(os.environ.get("RATHAUS_RACE_CONNECTIONS", "40"))


def race(event, people: int, workers: int) -> list[str]:
    barrier = threading.Barrier(min(people, workers))
    connections = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def one(n: int) -> str:
        if n < workers:
            barrier.wait(timeout=30)
        with connections:
            return _register_and_confirm(event, n)

    def _register_and_confirm(event, n: int) -> str:
        close_old_connections()
        try:
            outcome = services.register(event, name=f"Person {n}", email=f"p{n:03d}@example.org", user=None)
            reg = outcome.registration
            return services.confirm(event.municipality, services.link_token(reg, "confirm")).kind
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, range(people)))


def check(event, kinds: list[str], capacity: int, people: int) -> None:
    assert kinds.count("registered") == capacity
    assert kinds.count("waitlist") == people - capacity
    regs = Registration.objects.filter(event=event)
    assert regs.filter(status=R.REGISTERED).count() == capacity
    waiting = list(regs.filter(status=R.WAITLIST).order_by("queue_number"))
    assert len(waiting) == people - capacity
    # placement numbers are unique and gapless; the waiting list follows them, so do the timestamps
    numbers = sorted(regs.exclude(queue_number=None).values_list("queue_number", flat=True))
    assert numbers == list(range(1, people + 1))
    assert [w.queued_at for w in waiting] == sorted(w.queued_at for w in waiting)
    assert [services.waitlist_position(w) for w in waiting] == list(range(1, len(waiting) + 1))
    seated = max(r.queue_number for r in regs.filter(status=R.REGISTERED))
    assert all(w.queue_number > seated for w in waiting)
    assert max(r.queued_at for r in regs.filter(status=R.REGISTERED)) <= waiting[0].queued_at
    # cancelling seats promotes exactly the head of the waiting list, in order
    holders = list(regs.filter(status=R.REGISTERED)[:2])
    for h in holders:
        services.cancel(h)
    promoted = list(regs.filter(status=R.REGISTERED, promoted_at__isnull=False).order_by("queue_number"))
    assert [p.pk for p in promoted] == [w.pk for w in waiting[:2]]
    assert regs.filter(status=R.REGISTERED).count() == capacity


@pytest.mark.django_db(transaction=True)
def test_100_threads_race_for_the_last_seats(muni_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with 100 parallel connections: PostgreSQL (the SQLite path is tested below)")
    event = make_event(muni_a, capacity=10)
    kinds = race(event, people=100, workers=100)
    check(event, kinds, capacity=10, people=100)


@pytest.mark.django_db(transaction=True)
def test_sqlite_immediate_transactions_keep_the_capacity(muni_a):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite locking path; PostgreSQL is covered by the 100-thread test")
    if connection.settings_dict["NAME"] == ":memory:" or "mode=memory" in str(
        connection.settings_dict["NAME"]
    ):
        pytest.skip("in-memory SQLite cannot be shared between threads; set RATHAUS_TEST_SQLITE_NAME")
    event = make_event(muni_a, capacity=5)
    kinds = race(event, people=20, workers=8)
    check(event, kinds, capacity=5, people=20)


def test_sqlite_race_runs_against_a_file_database(tmp_path):
    """The default test database is in memory (one connection); rerun the SQLite race on a file."""
    import subprocess
    import sys

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    if connection.settings_dict["TEST"].get("NAME"):
        pytest.skip("already running on a file database: the race test above ran directly")
    env = {**os.environ, "RATHAUS_TEST_SQLITE_NAME": str(tmp_path / "race.sqlite3")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_sqlite_immediate_transactions_keep_the_capacity",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
