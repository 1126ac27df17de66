"""No double booking, ever: 50 threads race for one desk slot (PostgreSQL), and the SQLite re-check path."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from rathaus.hub import services
from rathaus.hub.models import Booking, BookingStatus, Resource
from tests.concurrency import race, require_postgresql
from tests.conftest import make_user

from .conftest import at, make_hub, weekday_ahead

RACERS = 50


def _book(resource, user, start, end) -> str:
    try:
        services.book(resource, user, start, end, notify=False)
    except services.BookingError as err:
        return f"refused:{err.code}"
    return "ok"


def _outcomes(outcomes) -> list[str]:
    # anything but a refusal would be a 500 in the view
    return [o.value if o.error is None else f"error:{type(o.error).__name__}:{o.error}" for o in outcomes]


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_race_for_one_desk_exactly_one_wins(muni_a):
    require_postgresql(
        "real parallel writers need PostgreSQL; SQLite serialises writers (see the re-check test)"
    )
    hub = make_hub(muni_a)
    users = [make_user(f"racer{i}@example.org") for i in range(RACERS)]
    day = weekday_ahead()
    start, end = at(day, 8), at(day, 18)
    outcomes = _outcomes(race(lambda user: _book(hub.desk2, user, start, end), users))

    assert len(outcomes) == RACERS
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "refused:overlap" for o in outcomes if o != "ok"), sorted(set(outcomes))
    assert Booking.objects.filter(resource=hub.desk2, status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.django_db
def test_exclusion_constraint_refuses_overlap_written_past_the_service(hub, booker):
    """PostgreSQL: even a raw insert that skips every check cannot create an overlap."""
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only; SQLite relies on the locked re-check")
    day = weekday_ahead()
    services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    with pytest.raises(IntegrityError, match="hub_booking_no_overlap"), transaction.atomic():
        Booking.objects.create(
            municipality=hub.municipality,
            resource=hub.desk2,
            user=booker,
            starts_at=at(day, 12),
            ends_at=at(day, 13),
        )
    # Cancelled rows do not count.
    Booking.objects.create(
        municipality=hub.municipality,
        resource=hub.desk2,
        user=booker,
        starts_at=at(day, 12),
        ends_at=at(day, 13),
        status=BookingStatus.CANCELLED,
    )


@pytest.mark.django_db
def test_overlap_is_rechecked_inside_the_transaction(hub, booker, monkeypatch):
    """A competitor commits between the rule checks and the locked insert: the re-check refuses.

    On SQLite this is the whole guarantee (BEGIN IMMEDIATE holds the write lock while re-checking);
    on PostgreSQL the exclusion constraint would catch it as well.
    """
    day = weekday_ahead()
    rival = make_user("rivale@example.org")
    original = services.check_rules

    def check_then_lose_the_race(resource, user, start, end, *, now):
        original(resource, user, start, end, now=now)
        if user == booker:
            Booking.objects.create(
                municipality=hub.municipality, resource=resource, user=rival, starts_at=start, ends_at=end
            )

    monkeypatch.setattr(services, "check_rules", check_then_lose_the_race)
    with pytest.raises(services.BookingError) as info:
        services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    assert info.value.code == "overlap"
    assert list(Booking.objects.filter(resource=hub.desk2).values_list("user_id", flat=True)) == [rival.pk]


def test_sqlite_takes_the_write_lock_at_begin(settings):
    """The re-check only holds on SQLite because every transaction starts with BEGIN IMMEDIATE."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite setting")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_integrity_error_becomes_a_clean_refusal(muni_a, monkeypatch):
    """If the insert itself hits the exclusion constraint, the person gets the overlap message."""
    hub = make_hub(muni_a)
    booker = make_user("eins@example.org")
    day = weekday_ahead()

    class FakeManager:
        @staticmethod
        def create(**kwargs):
            raise IntegrityError(
                'conflicting key value violates exclusion constraint "hub_booking_no_overlap"'
            )

    monkeypatch.setattr(services.Booking, "objects", FakeManager, raising=False)
    monkeypatch.setattr(services, "_overlapping", lambda *a: Booking._default_manager.none())
    monkeypatch.setattr(services, "active_bookings", lambda *a, **k: Booking._default_manager.none())
    monkeypatch.setattr(services, "_other_desk", lambda *a: Booking._default_manager.none())
    with pytest.raises(services.BookingError) as info:
        services.book(hub.desk2, booker, at(day, 8), at(day, 18), notify=False)
    assert info.value.code == "overlap"


# --- One desk per person at a time (issue 14) -------------------------------------------------------


def _desks(hub, n: int) -> list[Resource]:
    return [
        Resource.objects.create(
            municipality=hub.municipality, group=hub.group, name=f"Zusatzplatz {i:02}", booking_unit="day"
        )
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_one_person_racing_for_many_desks_gets_exactly_one(muni_a):
    """PostgreSQL, real threads: one person submits the same day for 20 desks at once; one booking."""
    require_postgresql("real parallel writers need PostgreSQL; SQLite: test_second_desk_is_rechecked_…")
    hub = make_hub(muni_a)
    user = make_user("viele-plaetze@example.org")
    desks = _desks(hub, 20)
    day = weekday_ahead()
    outcomes = _outcomes(race(lambda desk: _book(desk, user, at(day, 8), at(day, 18)), desks))

    assert len(outcomes) == len(desks)
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "refused:second_desk" for o in outcomes if o != "ok"), sorted(set(outcomes))
    assert Booking.objects.filter(user=user, status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.django_db
def test_exclusion_constraint_refuses_a_second_desk_written_past_the_service(hub, booker):
    """PostgreSQL: even a raw insert that skips every check cannot put a person at two desks."""
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only; SQLite relies on the locked re-check")
    day = weekday_ahead()
    services.book(hub.desk2, booker, at(day, 8), at(day, 18), notify=False)
    with pytest.raises(IntegrityError, match="hub_booking_one_desk_per_person"), transaction.atomic():
        Booking.objects.create(
            municipality=hub.municipality,
            resource=hub.desk,
            user=booker,
            starts_at=at(day, 8),
            ends_at=at(day, 13),
        )
    # A room at the same time, a cancelled desk booking and another person's desk are fine.
    Booking.objects.create(
        municipality=hub.municipality,
        resource=hub.room,
        user=booker,
        starts_at=at(day, 9),
        ends_at=at(day, 10),
    )
    Booking.objects.create(
        municipality=hub.municipality,
        resource=hub.desk,
        user=booker,
        starts_at=at(day, 8),
        ends_at=at(day, 13),
        status=BookingStatus.CANCELLED,
    )
    Booking.objects.create(
        municipality=hub.municipality,
        resource=hub.desk,
        user=make_user("andere@example.org"),
        starts_at=at(day, 8),
        ends_at=at(day, 13),
    )


@pytest.mark.django_db
def test_second_desk_is_rechecked_inside_the_transaction(hub, booker, monkeypatch):
    """Another desk of the same person commits between the rule checks and the insert: refused.

    On SQLite this is the whole guarantee (BEGIN IMMEDIATE holds the write lock while re-checking).
    """
    day = weekday_ahead()
    original = services.check_rules

    def check_then_lose_the_race(resource, user, start, end, *, now):
        original(resource, user, start, end, now=now)
        if resource == hub.desk2:
            Booking.objects.create(
                municipality=hub.municipality,
                resource=hub.desk,
                user=user,
                starts_at=start,
                ends_at=at(day, 13),
            )

    monkeypatch.setattr(services, "check_rules", check_then_lose_the_race)
    with pytest.raises(services.BookingError) as info:
        services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    assert info.value.code == "second_desk"
    assert (
        "bereits einen Arbeitsplatz gebucht" in info.value.message and "Arbeitsplatz 01" in info.value.message
    )
    assert list(Booking.objects.filter(user=booker).values_list("resource_id", flat=True)) == [hub.desk.pk]


@pytest.mark.django_db(transaction=True)
def test_integrity_error_of_the_desk_constraint_becomes_a_clean_refusal(muni_a, monkeypatch):
    hub = make_hub(muni_a)
    booker = make_user("zwei@example.org")
    day = weekday_ahead()

    class FakeManager:
        @staticmethod
        def create(**kwargs):
            raise IntegrityError(
                'conflicting key value violates exclusion constraint "hub_booking_one_desk_per_person"'
            )

    monkeypatch.setattr(services.Booking, "objects", FakeManager, raising=False)
    monkeypatch.setattr(services, "_overlapping", lambda *a: Booking._default_manager.none())
    monkeypatch.setattr(services, "active_bookings", lambda *a, **k: Booking._default_manager.none())
    monkeypatch.setattr(services, "_other_desk", lambda *a: Booking._default_manager.none())
    with pytest.raises(services.BookingError) as info:
        services.book(hub.desk2, booker, at(day, 8), at(day, 18), notify=False)
    assert info.value.code == "second_desk"
