"""iCalendar (RFC 5545) output of bookings, written with the icalendar library. Times are UTC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.utils import timezone
from icalendar import Calendar, Event

from .models import Booking, BookingStatus

PRODID = "-//Rathaus//Digital Hub//DE"


def calendar(bookings: Iterable[Booking], name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC)
    for b in bookings:
        location = b.resource.group.location
        ev = Event()
        ev.add("uid", f"{b.uid}@rathaus-hub")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", b.starts_at.astimezone(UTC))
        ev.add("dtend", b.ends_at.astimezone(UTC))
        ev.add("summary", f"{b.resource.name} – {location.name}")
        ev.add("location", " ".join(location.address.split()))
        ev.add("status", "CONFIRMED" if b.status == BookingStatus.CONFIRMED else "CANCELLED")
        if b.resource.equipment:
            ev.add("description", b.resource.equipment)
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
