"""iCalendar (RFC 5545) export of one booking, built with the icalendar library."""

from __future__ import annotations

from django.utils import timezone
from icalendar import Calendar, Event, vText

from .models import Booking, BookingStatus, Mode


def booking_ics(booking: Booking, host: str) -> bytes:
    slot = booking.slot
    cal = Calendar()
    cal.add("prodid", "-//Rathaus//Beratung//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"consulting-booking-{booking.pk}@{host}")
    event.add("dtstamp", timezone.now())
    # Times with their time zone (Europe/Berlin); icalendar writes the VTIMEZONE component.
    event.add("dtstart", timezone.localtime(slot.starts_at))
    event.add("dtend", timezone.localtime(slot.ends_at))
    event.add("summary", f"Beratung: {booking.topic.name} ({slot.advisor.display_name})")
    where = slot.location or str(Mode(slot.mode).label)
    if slot.mode == Mode.ON_SITE:
        event.add("location", vText(where))
    description = [
        f"Thema / topic: {booking.topic.name}",
        f"Beratung durch / advisor: {slot.advisor.display_name}"
        + (f", {slot.advisor.organisation}" if slot.advisor.organisation else ""),
        f"Form / mode: {Mode(slot.mode).label} {slot.location}".rstrip(),
        *(
            [f"Wir rufen Sie an unter / we will call you at: {booking.contact_phone}"]
            if booking.contact_phone
            else []
        ),
        *(
            [f"Link zur Videoberatung an / video link to: {booking.contact_email}"]
            if booking.contact_email
            else []
        ),
        f"{booking.municipality.name}",
    ]
    event.add("description", "\n".join(description))
    event.add("status", "CONFIRMED" if booking.status == BookingStatus.ACTIVE else "CANCELLED")
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
