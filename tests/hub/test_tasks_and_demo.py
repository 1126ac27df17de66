"""No-show release through the django-tasks task and the management command; the demo data."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rathaus.core.accounts.models import User
from rathaus.core.ui.services import portal_entries
from rathaus.hub import services, tasks
from rathaus.hub.models import Booking, BookingStatus, Location, Resource

pytestmark = pytest.mark.django_db


def _started_booking(hub, user, minutes_ago: int) -> Booking:
    now = timezone.now()
    return Booking.objects.create(
        municipality=hub.municipality,
        resource=hub.desk2,
        user=user,
        starts_at=now - timedelta(minutes=minutes_ago),
        ends_at=now + timedelta(hours=2),
    )


def test_task_releases_no_shows(hub, booker):
    due = _started_booking(hub, booker, 45)
    result = tasks.release_no_shows.enqueue(hub.municipality.pk)  # immediate backend under test
    assert result.return_value == 1
    due.refresh_from_db()
    assert due.status == BookingStatus.RELEASED


def test_command_releases_for_one_municipality(hub, booker):
    fresh = _started_booking(hub, booker, 10)
    out = StringIO()
    call_command("release_no_shows", "--municipality", "zeitz", stdout=out)
    assert "0 Buchung(en) freigegeben." in out.getvalue()
    Booking.objects.filter(pk=fresh.pk).update(starts_at=timezone.now() - timedelta(minutes=31))
    call_command("release_no_shows", "--municipality", "zeitz", stdout=out)
    assert "1 Buchung(en) freigegeben." in out.getvalue()
    with pytest.raises(CommandError, match="Unbekannte Kommune"):
        call_command("release_no_shows", "--municipality", "gibtsnicht")


def test_portal_entry_registered():
    entry = next(e for e in portal_entries() if e.key == "hub")
    assert str(entry.title) == "Digital Hub" and str(entry.description) == "Arbeitsplätze und Räume buchen"


def test_demo_data_is_idempotent_and_realistic():
    call_command("load_demo", stdout=StringIO())
    counts = (Location.objects.count(), Resource.objects.count(), Booking.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (Location.objects.count(), Resource.objects.count(), Booking.objects.count()) == counts
    loc = Location.objects.get(name="Digital Hub Zeitz")
    assert "Altmarkt" in loc.address and loc.step_free
    assert sorted(h.weekday for h in loc.opening_hours.all()) == [0, 1, 2, 3, 4]
    desks = Resource.objects.filter(group__location=loc, kind="desk")
    assert desks.count() == 12
    reserved = desks.filter(group__organisation__name="IT-Partner des Digital Hubs")
    assert reserved.count() == 5
    assert set(Resource.objects.filter(kind="meeting_room").values_list("name", flat=True)) == {
        "Besprechungsraum Elster",
        "Besprechungsraum Weiße Elster",
    }
    assert Resource.objects.filter(kind="event_space", name="Veranstaltungsraum Altmarkt").exists()
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED, starts_at__gt=timezone.now()).count() >= 5
    # The partner may book a reserved desk, the citizen may not.
    partner = User.objects.get(email="partner@it-partner.example")
    citizen = User.objects.get(email="buerger@zeitz.example")
    assert services.may_book(partner, reserved.first().group)
    assert not services.may_book(citizen, reserved.first().group)
