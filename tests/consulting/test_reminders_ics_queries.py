"""Reminders (service, task, command), the .ics export and the operator's figures."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from rathaus.consulting import queries, services, tasks
from rathaus.consulting.ics import booking_ics
from rathaus.consulting.models import Booking
from tests.consulting.conftest import make_slot, make_topic
from tests.factories import AdvisorFactory

pytestmark = pytest.mark.django_db
NEED = "Bitte helfen Sie mir mit der BundID."


def _reminder_mails():
    return [m for m in mail.outbox if "Erinnerung" in m.subject]


def test_reminder_is_sent_once_for_due_bookings(
    advisor, topic, citizen, citizen2, django_capture_on_commit_callbacks
):
    soon = services.book(make_slot(advisor, [topic], in_hours=20), citizen, topic, NEED)
    later = services.book(make_slot(advisor, [topic], in_hours=60), citizen2, topic, NEED)
    cancelled = services.book(make_slot(advisor, [topic], in_hours=30), citizen2, topic, NEED)
    Booking.objects.filter(pk=cancelled.pk).update(status="cancelled")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(advisor.municipality) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(advisor.municipality) == 0  # never twice
    reminders = _reminder_mails()
    assert [m.to for m in reminders] == [["buerger@example.org"]]
    assert "Appointment reminder" in reminders[0].subject
    german, english = reminders[0].body.split("--- English ---")
    assert "Erinnerung" in german and "Reminder:" in english
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminder_sent_at is not None and later.reminder_sent_at is None


def test_reminder_of_other_municipality_is_not_sent(
    advisor, topic, citizen, muni_b, django_capture_on_commit_callbacks
):
    services.book(make_slot(advisor, [topic], in_hours=20), citizen, topic, NEED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(muni_b) == 0
    assert _reminder_mails() == []


def test_reminder_command(advisor, topic, citizen, django_capture_on_commit_callbacks):
    services.book(make_slot(advisor, [topic], in_hours=10), citizen, topic, NEED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_consulting_reminders", "--municipality", "zeitz")
        call_command("send_consulting_reminders", "--municipality", "zeitz")
    assert len(_reminder_mails()) == 1
    with pytest.raises(CommandError):
        call_command("send_consulting_reminders", "--municipality", "gibt-es-nicht")


def test_reminder_task(advisor, topic, citizen, django_capture_on_commit_callbacks):
    services.book(make_slot(advisor, [topic], in_hours=10), citizen, topic, NEED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.send_reminders.enqueue(advisor.municipality_id)  # immediate backend in tests
    assert result.return_value == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.enqueue_reminders() >= 1
    assert len(_reminder_mails()) == 1


def test_ics_is_valid_icalendar_with_time_zone(slot, topic, citizen):
    booking = services.book(slot, citizen, topic, NEED)
    cal = icalendar.Calendar.from_ical(booking_ics(booking, "zeitz.example"))
    assert cal["VERSION"] == "2.0"
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    ev = events[0]
    assert str(ev["UID"]) == f"consulting-booking-{booking.pk}@zeitz.example"
    start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
    assert start == slot.starts_at and end == slot.ends_at
    assert str(start.tzinfo) == "Europe/Berlin"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert "Online-Ausweis und BundID" in str(ev["SUMMARY"])
    assert str(ev["LOCATION"]) == "Digital Hub Zeitz"
    assert str(ev["STATUS"]) == "CONFIRMED"
    services.cancel_by_person(booking, citizen)
    booking.refresh_from_db()
    cancelled = icalendar.Calendar.from_ical(booking_ics(booking, "zeitz.example"))
    assert str(next(iter(cancelled.walk("VEVENT")))["STATUS"]) == "CANCELLED"


def test_demand_by_topic_and_utilisation(advisor, topic, topic2, citizen, citizen2, muni_b):
    tz = timezone.get_current_timezone()
    s1 = make_slot(advisor, [topic, topic2], in_hours=48)
    s2 = make_slot(advisor, [topic], in_hours=50)
    s3 = make_slot(advisor, [topic2], in_hours=52)
    make_slot(advisor, [topic], in_hours=54)  # offered, free
    services.book(s1, citizen, topic, NEED)
    services.book(s2, citizen2, topic, NEED)
    cancelled = services.book(s3, citizen2, topic2, NEED)
    services.cancel_by_person(cancelled, citizen2)
    # Noise in B.
    b_adv = AdvisorFactory(municipality=muni_b, display_name="B")
    b_topic = make_topic(muni_b)
    services.book(make_slot(b_adv, [b_topic], in_hours=48), citizen, b_topic, NEED)

    start = date(2000, 1, 1)
    end = timezone.localdate() + timedelta(days=400)
    rows = queries.demand_by_topic(advisor.municipality, start, end)
    month = timezone.localtime(s1.starts_at, tz).date().replace(day=1)
    # Slots 48–54 h ahead may straddle a month end: sum over months.
    by_topic: dict[str, int] = {}
    for r in rows:
        by_topic[r.topic] = by_topic.get(r.topic, 0) + r.bookings
        assert r.month.day == 1
    assert by_topic == {"Online-Ausweis und BundID": 2}
    assert rows[0].month == month

    usage = queries.utilisation(advisor.municipality, start, end)
    assert sum(u.offered for u in usage) == 4
    assert sum(u.booked for u in usage) == 2
    assert queries.utilisation(advisor.municipality, start, date(2000, 2, 1)) == []


def test_utilisation_rate():
    row = queries.UtilisationRow(date(2026, 1, 1), offered=4, booked=1)
    assert row.rate == 0.25
    assert queries.UtilisationRow(date(2026, 1, 1), 0, 0).rate == 0.0
