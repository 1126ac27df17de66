"""No slot is booked twice: 50 parallel clients race for one slot (PostgreSQL, threads)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from rathaus.consulting import services
from rathaus.consulting.models import Booking
from tests.concurrency import race, require_postgresql, require_shared_sqlite, rerun_on_sqlite_file
from tests.conftest import HOST_A, client_for, make_user
from tests.consulting.conftest import make_slot

CLIENTS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_clients_race_for_one_slot(advisor, topic):
    require_postgresql(
        "row locks (SELECT … FOR UPDATE) between parallel connections: PostgreSQL "
        "(SQLite's path: test_sqlite_threads_race_for_one_slot)"
    )
    slot = make_slot(advisor, [topic])
    users = [make_user(f"racer{i}@example.org") for i in range(CLIENTS)]
    clients = [client_for(HOST_A, u) for u in users]  # logged in before the race starts
    url = reverse("consulting:book", args=[slot.pk])
    outcomes = race(
        lambda client: (
            client.post(url, {"topic": topic.pk, "need": "Ich möchte beraten werden."}).status_code
        ),
        clients,
    )
    errors = [o.error for o in outcomes if o.error is not None]
    statuses = [o.value for o in outcomes if o.error is None]

    assert errors == []
    counts = Counter(statuses)
    assert counts == {302: 1, 409: CLIENTS - 1}, counts
    assert Booking.objects.filter(slot=slot, status="active").count() == 1
    assert Booking.objects.filter(slot=slot).count() == 1


@pytest.mark.django_db(transaction=True)
def test_sqlite_threads_race_for_one_slot(advisor, topic):
    """SQLite: IMMEDIATE transactions take the write lock at BEGIN, so the locked re-check sees the winner."""
    require_shared_sqlite("SQLite locking path; PostgreSQL is covered by the 50-client test")
    slot = make_slot(advisor, [topic])
    users = [make_user(f"sqlite-racer{i}@example.org") for i in range(20)]

    def book(user) -> str:
        try:
            services.book(slot, user, topic, "Bitte um Beratung.")
        except services.ConsultingError as exc:
            return exc.code
        return "booked"

    codes = [o.value if o.error is None else f"error: {o.error!r}" for o in race(book, users)]
    assert Counter(codes) == {"booked": 1, "taken": len(users) - 1}, Counter(codes)
    assert Booking.objects.filter(slot=slot).count() == 1


def test_sqlite_race_runs_against_a_file_database(tmp_path):
    """The default SQLite test database is in memory; rerun the SQLite race on a file database."""
    rerun_on_sqlite_file(tmp_path, __file__, "test_sqlite_threads_race_for_one_slot")
