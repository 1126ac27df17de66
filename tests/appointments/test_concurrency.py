"""No double booking under races (PostgreSQL: threads with their own connections).

- 50 people confirm a request for the last free time of a one-counter office at once: exactly one wins.
- One person confirms two overlapping appointments (at two counters) at once: exactly one is booked.
- The exclusion constraints themselves refuse an overlapping row written past the service.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from rathaus.appointments import services
from rathaus.appointments.models import Appointment, Status
from rathaus.appointments.queries import Choice
from tests.appointments.conftest import at, ctx_for, make_office

PEOPLE = 50


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections and exclusion constraints: PostgreSQL (SQLite serialises writers)")


def _race(calls: list[Callable[[], Any]]) -> tuple[Counter[str], list[BaseException]]:
    barrier = threading.Barrier(len(calls))
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            try:
                call()
                result = "booked"
            except services.AppointmentError as exc:
                result = exc.code
            with lock:
                outcomes[result] += 1
        except BaseException as exc:  # reported by the test
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return outcomes, errors


@pytest.mark.django_db(transaction=True)
def test_fifty_people_race_for_the_last_slot_of_a_counter(muni_a):
    _postgres_only()
    office = make_office(muni_a, counters=1)
    start = at(3, 9)
    requests = [
        services.request_appointment(
            office["location"],
            [Choice(office["ausweis"])],
            start,
            name=f"P{n}",
            email=f"p{n}@example.org",
            ctx=ctx_for(muni_a),
        )[0]
        for n in range(PEOPLE)
    ]
    outcomes, errors = _race([lambda a=a: services.confirm(a, ctx=ctx_for(muni_a)) for a in requests])
    assert errors == []
    assert outcomes == {"booked": 1, "taken": PEOPLE - 1}, outcomes
    assert Appointment.objects.filter(status=Status.BOOKED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_booking_two_overlapping_appointments_at_once(muni_a):
    _postgres_only()
    office = make_office(muni_a, counters=2)
    one = services.request_appointment(
        office["location"],
        [Choice(office["ausweis"])],
        at(3, 9),
        name="Eine",
        email="eine@example.org",
        ctx=ctx_for(muni_a),
    )[0]
    two = services.request_appointment(
        office["location"],
        [Choice(office["ausweis"])],
        at(3, 9, 10),
        name="Eine",
        email="eine@example.org",
        ctx=ctx_for(muni_a),
    )[0]
    outcomes, errors = _race(
        [
            lambda: services.confirm(one, ctx=ctx_for(muni_a)),
            lambda: services.confirm(two, ctx=ctx_for(muni_a)),
        ]
    )
    assert errors == []
    assert outcomes == {"booked": 1, "person_overlap": 1}, outcomes
    assert Appointment.objects.filter(status=Status.BOOKED).count() == 1


@pytest.mark.django_db
def test_exclusion_constraints_refuse_overlaps_written_past_the_service(muni_a):
    _postgres_only()
    office = make_office(muni_a, counters=2)
    appt = services.request_appointment(
        office["location"],
        [Choice(office["ausweis"])],
        at(3, 9),
        name="A",
        email="a@example.org",
        ctx=ctx_for(muni_a),
    )[0]
    services.confirm(appt, ctx=ctx_for(muni_a))
    appt.refresh_from_db()

    def clone(**changes: Any) -> None:
        data = {
            "municipality": appt.municipality,
            "location": appt.location,
            "counter": appt.counter,
            "staff": appt.staff,
            "starts_at": appt.starts_at,
            "ends_at": appt.ends_at,
            "blocked_until": appt.blocked_until,
            "status": Status.BOOKED,
            "name": "X",
            "email": "x@example.org",
            "person_key": "e:x@example.org",
        }
        data.update(changes)
        with transaction.atomic():
            Appointment.objects.create(**data)

    other_counter = next(c for c in office["counters"] if c != appt.counter)
    other_staff = next(s for s in office["staff"] if s != appt.staff)
    with pytest.raises(IntegrityError, match="appointments_counter_no_overlap"):
        clone(staff=other_staff)  # same counter, in the buffer
    with pytest.raises(IntegrityError, match="appointments_staff_no_overlap"):
        clone(counter=other_counter)  # same staff member
    with pytest.raises(IntegrityError, match="appointments_person_no_overlap"):
        clone(counter=other_counter, staff=other_staff, person_key=appt.person_key)
    clone(counter=other_counter, staff=other_staff)  # another counter, staff and person: fine
    clone(status=Status.CANCELLED)  # cancelled rows do not count
