"""No slot is booked twice: 50 parallel clients race for one slot (PostgreSQL, threads)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.urls import reverse

from rathaus.consulting import services
from rathaus.consulting.models import Booking
from tests.conftest import HOST_A, client_for, make_user
from tests.consulting.conftest import make_slot

CLIENTS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_clients_race_for_one_slot(advisor, topic):
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks (SELECT … FOR UPDATE) between parallel connections: PostgreSQL "
            "(SQLite's path: test_sqlite_threads_race_for_one_slot)"
        )
    slot = make_slot(advisor, [topic])
    users = [make_user(f"racer{i}@example.org") for i in range(CLIENTS)]
    clients = [client_for(HOST_A, u) for u in users]  # logged in before the race starts
    url = reverse("consulting:book", args=[slot.pk])
    barrier = threading.Barrier(CLIENTS)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def race(client) -> None:
        try:
            barrier.wait()
            response = client.post(url, {"topic": topic.pk, "need": "Ich möchte beraten werden."})
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    counts = Counter(statuses)
    assert counts == {302: 1, 409: CLIENTS - 1}, counts
    assert Booking.objects.filter(slot=slot, status="active").count() == 1
    assert Booking.objects.filter(slot=slot).count() == 1


def _in_memory() -> bool:
    name = str(connection.settings_dict["NAME"])
    return name == ":memory:" or "mode=memory" in name


@pytest.mark.django_db(transaction=True)
def test_sqlite_threads_race_for_one_slot(advisor, topic):
    """SQLite: IMMEDIATE transactions take the write lock at BEGIN, so the locked re-check sees the winner."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite locking path; PostgreSQL is covered by the 50-client test")
    if _in_memory():
        pytest.skip("in-memory SQLite cannot be shared between threads; set RATHAUS_TEST_SQLITE_NAME")
    slot = make_slot(advisor, [topic])
    users = [make_user(f"sqlite-racer{i}@example.org") for i in range(20)]
    barrier = threading.Barrier(len(users))
    codes: list[str] = []
    lock = threading.Lock()

    def race(user) -> None:
        try:
            barrier.wait()
            services.book(slot, user, topic, "Bitte um Beratung.")
            outcome = "booked"
        except services.ConsultingError as exc:
            outcome = exc.code
        except BaseException as exc:  # reported below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            codes.append(outcome)

    threads = [threading.Thread(target=race, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(codes) == {"booked": 1, "taken": len(users) - 1}, Counter(codes)
    assert Booking.objects.filter(slot=slot).count() == 1


def test_sqlite_race_runs_against_a_file_database(tmp_path):
    """The default SQLite test database is in memory; rerun the SQLite race on a file database."""
    import os
    import subprocess
    import sys

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    if not _in_memory() or connection.settings_dict["TEST"].get("NAME"):
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
            f"{__file__}::test_sqlite_threads_race_for_one_slot",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
