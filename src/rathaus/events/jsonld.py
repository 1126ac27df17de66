"""schema.org Event as JSON-LD for the detail page (search engines, calendar assistants)."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .models import Event, EventStatus

# Inside <script> only "<", ">" and "&" can end the element or start markup: escape them as JSON
# unicode escapes (the same rule as Django's json_script filter).
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _place(event: Event) -> dict[str, Any] | None:
    if not (event.venue or event.address):
        return None
    place: dict[str, Any] = {"@type": "Place", "name": event.venue or event.address}
    if event.address:
        place["address"] = {"@type": "PostalAddress", "streetAddress": event.address, "addressCountry": "DE"}
    return place


def event_data(event: Event, url: str, seats_taken: int | None = None) -> dict[str, Any]:
    place = _place(event)
    # The meeting link itself goes to registered people only (mails); the public gets the page.
    virtual = {"@type": "VirtualLocation", "url": url} if event.online_url else None
    if place and virtual:
        mode, location = "MixedEventAttendanceMode", [place, virtual]
    elif virtual:
        mode, location = "OnlineEventAttendanceMode", [virtual]
    else:
        mode, location = "OfflineEventAttendanceMode", [place] if place else []
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "url": url,
        "startDate": timezone.localtime(event.starts_at).isoformat(),
        "endDate": timezone.localtime(event.ends_at).isoformat(),
        "eventStatus": "https://schema.org/"
        + ("EventCancelled" if event.status == EventStatus.CANCELLED else "EventScheduled"),
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "organizer": {"@type": "Organization", "name": event.organiser},
        "isAccessibleForFree": True,
        "inLanguage": "de",
        "maximumAttendeeCapacity": event.capacity,
        "audience": [
            {"@type": "Audience", "audienceType": str(label)} for label in event.target_group_labels
        ],
        "keywords": ", ".join(t.name for t in event.tags.all()),
    }
    if len(location) == 1:
        data["location"] = location[0]
    elif location:
        data["location"] = location
    if seats_taken is not None:
        data["remainingAttendeeCapacity"] = max(0, event.capacity - seats_taken)
    dates = list(event.dates.all())
    if len(dates) > 1:
        data["subEvent"] = [
            {
                "@type": "Event",
                "name": f"{event.title} ({n}/{len(dates)})",
                "startDate": timezone.localtime(d.starts_at).isoformat(),
                "endDate": timezone.localtime(d.ends_at).isoformat(),
            }
            for n, d in enumerate(dates, start=1)
        ]
    return data


def script_tag(data: dict[str, Any]) -> SafeString:
    payload = json.dumps(data, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 - escaped above
