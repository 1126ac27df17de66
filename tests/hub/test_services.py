"""Booking rules of the Digital Hub, each with good and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from rathaus.core.audit.models import AuditEvent
from rathaus.hub import services
from rathaus.hub.models import Booking, BookingStatus, ClosingDay
from rathaus.hub.services import BookingError
from tests.conftest import make_user

from .conftest import at, weekday_ahead

pytestmark = pytest.mark.django_db


def refused(code: str, fn, *args, **kwargs) -> str:
    with pytest.raises(BookingError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value.message


def test_book_half_day_confirms_audits_and_mails(hub, booker, django_capture_on_commit_callbacks):
    day = weekday_ahead()
    with django_capture_on_commit_callbacks(execute=True):
        b = services.book(hub.desk, booker, at(day, 8), at(day, 13))
    assert b.status == BookingStatus.CONFIRMED and b.municipality == hub.municipality
    assert AuditEvent.objects.filter(action="hub.booking.created", object_id=str(b.pk)).exists()
    assert len(mail.outbox) == 1 and "Arbeitsplatz 01" in mail.outbox[0].subject
    # German first, English second (every mail in both languages).
    assert "Buchung bestätigt" in mail.outbox[0].subject and "Booking confirmed" in mail.outbox[0].subject
    german, english = mail.outbox[0].body.split("English version")
    assert "Ihre Buchung ist bestätigt" in german and "Your booking is confirmed" in english
    # The afternoon of the same desk is still free.
    services.book(hub.desk, booker, at(day, 13), at(day, 18))


def test_past_is_refused(hub, booker):
    day = services.local(timezone.now()).date() - timedelta(days=7)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    msg = refused("past", services.book, hub.desk2, booker, at(day, 8), at(day, 18))
    assert "Vergangenheit" in msg


def test_outside_opening_hours_is_refused(hub, booker):
    day = weekday_ahead()
    msg = refused("hours", services.book, hub.room, booker, at(day, 7), at(day, 8))
    assert "Öffnungszeiten" in msg and "08:00–18:00" in msg
    refused("hours", services.book, hub.room, booker, at(day, 17, 30), at(day, 18, 30))


def test_weekend_and_closing_day_are_refused(hub, booker):
    day = weekday_ahead()
    saturday = day + timedelta(days=5 - day.weekday())
    assert "geschlossen" in refused(
        "closed", services.book, hub.desk2, booker, at(saturday, 8), at(saturday, 18)
    )
    ClosingDay.objects.create(
        municipality=hub.municipality, location=hub.location, date=day, reason="Betriebsausflug"
    )
    msg = refused("closed", services.book, hub.desk2, booker, at(day, 8), at(day, 18))
    assert "Betriebsausflug" in msg


@pytest.mark.parametrize(
    ("resource", "start", "end"),
    [
        ("desk", (8, 0), (12, 0)),  # half day ends at 13:00
        ("desk", (9, 0), (13, 0)),
        ("desk2", (8, 0), (13, 0)),  # whole day only
        ("room", (9, 15), (10, 0)),  # 30-minute slots from 08:00
        ("room", (9, 0), (9, 20)),
    ],
)
def test_misaligned_booking_unit_is_refused(hub, booker, resource, start, end):
    day = weekday_ahead()
    msg = refused("unit", services.book, getattr(hub, resource), booker, at(day, *start), at(day, *end))
    assert "Buchungseinheit" in msg


def test_slots_may_span_several_units(hub, booker):
    day = weekday_ahead()
    b = services.book(hub.room, booker, at(day, 9, 30), at(day, 11))
    assert b.ends_at - b.starts_at == timedelta(minutes=90)


def test_full_day_of_a_half_day_resource_is_allowed(hub, booker):
    day = weekday_ahead()
    services.book(hub.desk, booker, at(day, 8), at(day, 18))


def test_end_before_start_and_spanning_days_refused(hub, booker):
    day = weekday_ahead()
    refused("order", services.book, hub.room, booker, at(day, 10), at(day, 9))
    refused("span", services.book, hub.room, booker, at(day, 10), at(day + timedelta(days=1), 10))


def test_horizon(hub, booker):
    day = weekday_ahead(29)
    msg = refused("horizon", services.book, hub.desk2, booker, at(day, 8), at(day, 18))
    assert "28 Tage" in msg
    ok = weekday_ahead(20)
    services.book(hub.desk2, booker, at(ok, 8), at(ok, 18))


def test_minimum_notice(hub, booker):
    now = services.local(timezone.now())
    # Pretend it is 9:10 on a weekday: 9:30 is too soon for 60 minutes notice, 10:30 is fine.
    day = weekday_ahead()
    fake_now = at(day, 9, 10)
    msg = refused("notice", services.book, hub.room, booker, at(day, 9, 30), at(day, 10), now=fake_now)
    assert "60 Minuten" in msg
    services.book(hub.room, booker, at(day, 10, 30), at(day, 11), now=fake_now)
    assert now  # real time untouched


def test_overlap_and_double_submit(hub, booker):
    day = weekday_ahead()
    services.book(hub.room, booker, at(day, 10), at(day, 11))
    # Same person again (double submit): clear message, no second row.
    assert "bereits gebucht" in refused(
        "duplicate", services.book, hub.room, booker, at(day, 10), at(day, 11)
    )
    other = make_user("andere@example.org")
    assert "belegt" in refused("overlap", services.book, hub.room, other, at(day, 10, 30), at(day, 11, 30))
    # Touching ranges do not overlap.
    services.book(hub.room, other, at(day, 11), at(day, 12))
    assert Booking.objects.filter(resource=hub.room, status=BookingStatus.CONFIRMED).count() == 2


def test_one_desk_per_person_at_a_time(hub, booker, muni_b):
    """Issue 14: one person could hold two desks at the same time."""
    day = weekday_ahead()
    services.book(hub.desk, booker, at(day, 8), at(day, 13))
    msg = refused("second_desk", services.book, hub.desk2, booker, at(day, 8), at(day, 18))
    assert "Sie haben zu dieser Zeit bereits einen Arbeitsplatz gebucht." in msg
    assert "Arbeitsplatz 01" in msg and "08:00–13:00 Uhr" in msg
    assert Booking.objects.filter(user=booker).count() == 1
    # The afternoon of the half-day desk, a room at the same time, another person: all fine.
    services.book(hub.desk, booker, at(day, 13), at(day, 18))
    services.book(hub.room, booker, at(day, 9), at(day, 10))
    services.book(hub.desk2, make_user("andere@example.org"), at(day, 8), at(day, 18))
    # One person is one person in every municipality.
    from .conftest import make_hub

    hub_b = make_hub(muni_b, "B ")
    refused("second_desk", services.book, hub_b.desk2, booker, at(day, 8), at(day, 18))
    # A cancelled desk booking no longer counts.
    services.cancel(Booking.objects.get(user=booker, resource=hub.desk, starts_at=at(day, 8)), booker)
    services.book(hub_b.desk, booker, at(day, 8), at(day, 13))


def test_cancelled_booking_frees_the_slot(hub, booker):
    day = weekday_ahead()
    b = services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    services.cancel(b, booker)
    other = make_user("andere@example.org")
    services.book(hub.desk2, other, at(day, 8), at(day, 18))


def test_max_active_bookings_per_group(hub, booker):
    days = [weekday_ahead(2 + 7 * i) for i in range(4)]
    for d in days[:3]:
        services.book(hub.desk2, booker, at(d, 8), at(d, 18))
    msg = refused("limit", services.book, hub.desk, booker, at(days[3], 8), at(days[3], 13))
    assert "3 aktive Buchungen" in msg
    # Another group has its own limit.
    services.book(hub.room, booker, at(days[3], 10), at(days[3], 11))
    # Cancelling one makes room again.
    services.cancel(Booking.objects.filter(user=booker, resource=hub.desk2).first(), booker)
    services.book(hub.desk, booker, at(days[3], 8), at(days[3], 13))


def test_restricted_group_only_for_members(hub, booker, partner):
    day = weekday_ahead()
    msg = refused("restricted", services.book, hub.partner_desk, booker, at(day, 8), at(day, 18))
    assert "IT-Partner des Digital Hubs" in msg
    services.book(hub.partner_desk, partner, at(day, 8), at(day, 18))


def test_unverified_account_cannot_book(hub, booker):
    EmailAddress.objects.filter(user=booker).update(verified=False)
    day = weekday_ahead()
    assert "E-Mail-Adresse" in refused(
        "unverified", services.book, hub.desk2, booker, at(day, 8), at(day, 18)
    )


def test_inactive_resource_cannot_be_booked(hub, booker):
    hub.desk2.is_active = False
    hub.desk2.save()
    day = weekday_ahead()
    refused("inactive", services.book, hub.desk2, booker, at(day, 8), at(day, 18))


def test_weekly_series_books_free_dates_and_reports_conflicts(hub, booker):
    hub.group.max_active_bookings = 10
    hub.group.save()
    day = weekday_ahead()
    other = make_user("andere@example.org")
    services.book(hub.desk2, other, at(day + timedelta(weeks=1), 8), at(day + timedelta(weeks=1), 18))
    ClosingDay.objects.create(
        municipality=hub.municipality, location=hub.location, date=day + timedelta(weeks=2), reason="Feiertag"
    )
    results = services.book_weekly(hub.desk2, booker, at(day, 8), at(day, 18), 4)
    assert [r.day for r in results] == [day + timedelta(weeks=i) for i in range(4)]
    assert [r.booking is not None for r in results] == [True, False, False, True]
    assert "belegt" in results[1].error and "Feiertag" in results[2].error
    series = {r.booking.series for r in results if r.booking}
    assert len(series) == 1 and None not in series
    with pytest.raises(BookingError):
        services.book_weekly(hub.desk2, booker, at(day, 8), at(day, 18), 13)


def test_cancel_deadline_and_ownership(hub, booker):
    day = weekday_ahead()
    b = services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    other = make_user("andere@example.org")
    refused("forbidden", services.cancel, b, other)
    # Deadline 2 hours before 08:00: at 06:30 too late for the person, an operator may still cancel.
    msg = refused("deadline", services.cancel, b, booker, now=at(day, 6, 30))
    assert "Stornofrist" in msg and "06:00" in msg
    services.cancel(b, other, operator=True, now=at(day, 6, 30))
    b.refresh_from_db()
    assert b.status == BookingStatus.CANCELLED and b.cancelled_at is not None
    refused("inactive", services.cancel, b, booker)


def test_check_in_window(hub, booker):
    day = weekday_ahead()
    b = services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    refused("early", services.check_in, b, booker, now=at(day, 7, 30))
    refused("forbidden", services.check_in, b, make_user("x@example.org"), now=at(day, 8))
    services.check_in(b, booker, now=at(day, 7, 50))
    refused("done", services.check_in, b, booker, now=at(day, 8))
    assert services.checkin_candidate(hub.desk2, booker, now=at(day, 9)) is None


def test_release_no_shows_after_grace(hub, booker):
    day = weekday_ahead()
    late = services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    colleague = make_user("kollegin@example.org")
    present = services.book(hub.desk, colleague, at(day, 8), at(day, 13))
    services.check_in(present, colleague, now=at(day, 8, 5))
    assert services.release_no_shows(hub.municipality, now=at(day, 8, 29)) == 0
    assert services.release_no_shows(hub.municipality, now=at(day, 8, 30)) == 1
    late.refresh_from_db()
    present.refresh_from_db()
    assert late.status == BookingStatus.RELEASED and present.status == BookingStatus.CONFIRMED
    assert AuditEvent.objects.filter(action="hub.booking.released", object_id=str(late.pk)).exists()
    # The released desk is bookable again for the rest of the day.
    services.book(hub.desk2, make_user("spontan@example.org"), at(day, 8), at(day, 18), now=at(day, 7))


def test_release_is_per_municipality(hub, booker, muni_b):
    from .conftest import make_hub

    hub_b = make_hub(muni_b, "B ")
    day = weekday_ahead()
    a = services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    b = services.book(hub_b.desk2, make_user("nachbarin@example.org"), at(day, 8), at(day, 18))
    assert services.release_no_shows(muni_b, now=at(day, 12)) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == BookingStatus.CONFIRMED and b.status == BookingStatus.RELEASED


def test_feed_regenerate_changes_token(hub, booker):
    old = services.feed_for(hub.municipality, booker).token
    new = services.regenerate_feed(hub.municipality, booker).token
    assert old != new and len(new) >= 30


def test_half_day_split_rounds_to_half_hour(hub):
    day = weekday_ahead()
    assert services.half_day_split(services.DayHours(at(day, 8), at(day, 18))) == at(day, 13)
    assert services.half_day_split(services.DayHours(at(day, 9), at(day, 16))) == at(day, 12, 30)
