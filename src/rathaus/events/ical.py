"""iCalendar (RFC 5545) export with the icalendar library: one VEVENT per date of an event.

Times are written with TZID=Europe/Berlin (the municipality's time zone) and the matching
VTIMEZONE component, so calendar clients show the right local time across DST changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

import icalendar
from django.utils import timezone

from rathaus.core.tenancy.models import Municipality

from .models import Event, EventStatus


def _location(event: Event) -> str:
    parts = [p for p in (event.venue, event.address) if p]
    if event.online_url:
        parts.append("Online (Link nach Anmeldung)")  # the link itself only goes to registered people
    return ", ".join(parts)


def _vevents(event: Event, host: str, url: str) -> Iterable[icalendar.Event]:
    dates = list(event.dates.all())
    total = len(dates)
    for number, d in enumerate(dates, start=1):
        ve = icalendar.Event()
        ve.add("uid", f"rathaus-event-{event.pk}-{number}@{host}")
        ve.add("dtstamp", event.updated_at.astimezone(UTC))
        ve.add("last-modified", event.updated_at.astimezone(UTC))
        ve.add("dtstart", timezone.localtime(d.starts_at))
        ve.add("dtend", timezone.localtime(d.ends_at))
        summary = event.title if total == 1 else f"{event.title} ({number}/{total})"
        ve.add("summary", summary)
        description = event.summary
        if event.accessibility:
            description += f"\n\nBarrierefreiheit: {event.accessibility}"
        ve.add("description", f"{description}\n\n{url}")
        location = _location(event)
        if location:
            ve.add("location", location)
        ve.add("url", url)
        ve.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
        tags = [t.name for t in event.tags.all()]
        ve.add("categories", [event.get_event_type_display(), *tags])
        if event.organiser_email:
            organizer = icalendar.vCalAddress(f"mailto:{event.organiser_email}")
            organizer.params["cn"] = icalendar.vText(event.organiser)
            ve.add("organizer", organizer)
        yield ve


def calendar(
    municipality: Municipality, events: Iterable[Event], host: str, url_for: Any, name: str
) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//Rathaus//Veranstaltungen {municipality.name}//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone.get_current_timezone_name())
    for event in events:
        for ve in _vevents(event, host, url_for(event)):
            cal.add_component(ve)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data
