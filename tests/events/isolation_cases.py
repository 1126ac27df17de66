"""Events entries for the tenant-isolation test (see tests/isolation.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from rathaus.events import services
from rathaus.events.models import Event, EventStatus
from tests import isolation
from tests.isolation import Tenant


@isolation.seeder
def seed_events(t: Tenant) -> None:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=10)
    event = services.save_event(
        Event(
            municipality=t.municipality,
            title=t.marker("EVENT"),
            summary=t.marker("EVENT-SUMMARY"),
            organiser=t.marker("EVENT-ORGANISER"),
            venue="Digital Hub",
            capacity=5,
            status=EventStatus.PUBLISHED,
        ),
        dates=[(start, start + timedelta(hours=2))],
        tag_names=[t.marker("EVENT-TAG")],
    )
    t.add("events.event", event)
    # The admin's own registration (account), so that "my registration" URLs work for A's admin.
    reg = services.register(event, name=t.marker("REG-NAME"), email=t.admin.email, user=t.admin).registration
    t.add("events.registration", reg)
    guest = services.register(
        event, name=t.marker("GUEST-NAME"), email=t.remember(f"gast-{t.key.lower()}@example.org")
    ).registration
    t.add("events.guest_registration", guest)


def event_form(t: Tenant, event: Any) -> dict[str, Any]:
    start = timezone.localtime(event.starts_at)
    return {
        "title": "Geänderte Veranstaltung",
        "event_type": "workshop",
        "summary": "Kurz",
        "description": "",
        "first_start": start.strftime("%Y-%m-%dT%H:%M"),
        "first_end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "more_dates": "",
        "organiser": "Hub",
        "organiser_email": "",
        "venue": "Hub",
        "address": "",
        "online_url": "",
        "accessibility": "",
        "target_groups": ["buerger"],
        "tag_names": "",
        "capacity": "5",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "is_public": "on",
        "status": "published",
    }


isolation.object_url("events:detail", "events.event", shows=["EVENT", "EVENT-SUMMARY", "EVENT-ORGANISER"])
isolation.object_url("events:event_ics", "events.event", shows=["EVENT"])
isolation.object_url(
    "events:register",
    "events.event",
    shows=["EVENT"],
    # A's admin is registered already (302 with "already"); for B's event nothing may happen.
    post=lambda t, obj: {"name": "Fremde Person", "email": "fremd@example.org"},
)
isolation.object_url("events:manage_edit", "events.event", shows=["EVENT"], post=event_form)
isolation.object_url("events:attendees", "events.event", shows=["EVENT", "REG-NAME", "GUEST-NAME"])
isolation.object_url("events:attendees_csv", "events.event")
isolation.object_url("events:attendees_xlsx", "events.event")
isolation.object_url("events:my_cancel", "events.registration", get=False, post=lambda t, obj: {})
isolation.object_url(
    "events:checkin", "events.registration", get=False, post=lambda t, obj: {"attended": "1"}
)
isolation.object_url("events:staff_cancel", "events.registration", get=False, post=lambda t, obj: {})
# Secret-link URLs: the token names no ID; a wrong or foreign token shows the "invalid link" page.
isolation.value_url("events:confirm", {"token": "ungueltiger-token"})
isolation.value_url("events:cancel_link", {"token": "ungueltiger-token"})
isolation.page("events:list", shows=["EVENT", "EVENT-TAG"])
isolation.page("events:list", query="q=MARKER", shows=["EVENT"])
isolation.page("events:manage", shows=["EVENT"])
isolation.page("events:stats", shows=["EVENT"])
isolation.page("events_feed", shows=["EVENT"])
isolation.page("search:search", query="q=MARKER-A-EVENT", shows=["EVENT"])
