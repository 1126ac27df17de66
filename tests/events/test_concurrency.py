"""Many people racing for the last seats: exactly capacity seat holders, the rest queued in order.

PostgreSQL: real threads with their own connections; the event row lock (SELECT … FOR UPDATE)
serialises them. SQLite: the same race through BEGIN IMMEDIATE transactions (threads share the file
database; each waits for the write lock and re-checks inside it).
"""

from __future__ import annotations

import os

import pytest

from rathaus.events import services
from rathaus.events.models import Registration, RegistrationStatus
from tests.concurrency import errors, race, require_postgresql, require_shared_sqlite, rerun_on_sqlite_file

from .conftest import make_event

R = RegistrationStatus


# The server's max_connections (100 by default) is shared with the test's own connection and other
# test processes: at most this many threads hold a connection at the same moment.
MAX_CONNECTIONS = int(os.environ.get("RATHAUS_RACE_CONNECTIONS", "40"))


def race_for_seats(event, people: int, workers: int) -> list[str]:
    def register_and_confirm(n: int) -> str:
        outcome = services.register(event, name=f"Person {n}", email=f"p{n:03d}@example.org", user=None)
        reg = outcome.registration
        return services.confirm(event.municipality, services.link_token(reg, "confirm")).kind

    outcomes = race(register_and_confirm, range(people), workers=workers, max_connections=MAX_CONNECTIONS)
    failed = errors(outcomes)
    if failed:  # an exception in one thread fails the race, as it did when pool.map re-raised it
        raise AssertionError(failed[:5])
    return [o.value for o in outcomes]


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
    require_postgresql(
        "row locks with 100 parallel connections: PostgreSQL (the SQLite path is tested below)"
    )
    event = make_event(muni_a, capacity=10)
    kinds = race_for_seats(event, people=100, workers=100)
    check(event, kinds, capacity=10, people=100)


@pytest.mark.django_db(transaction=True)
def test_sqlite_immediate_transactions_keep_the_capacity(muni_a):
    require_shared_sqlite("SQLite locking path; PostgreSQL is covered by the 100-thread test")
    event = make_event(muni_a, capacity=5)
    kinds = race_for_seats(event, people=20, workers=8)
    check(event, kinds, capacity=5, people=20)


def test_sqlite_race_runs_against_a_file_database(tmp_path):
    """The default test database is in memory (one connection); rerun the SQLite race on a file."""
    rerun_on_sqlite_file(tmp_path, __file__, "test_sqlite_immediate_transactions_keep_the_capacity")
