"""iCalendar (RFC 5545) export of one booking, built by the shared appointment engine."""

from __future__ import annotations

from rathaus.core import appointments as engine

from .models import Booking, BookingStatus, Mode


def booking_ics(booking: Booking, host: str) -> bytes:
    slot = booking.slot
    where = slot.location or str(Mode(slot.mode).label)
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
    return engine.calendar(
        uid=f"consulting-booking-{booking.pk}@{host}",
        start=slot.starts_at,
        end=slot.ends_at,
        summary=f"Beratung: {booking.topic.name} ({slot.advisor.display_name})",
        description=description,
        location=where if slot.mode == Mode.ON_SITE else "",
        cancelled=booking.status != BookingStatus.ACTIVE,
        prodid="-//Rathaus//Beratung//DE",
    )
