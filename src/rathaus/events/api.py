"""Public read API of the events app: upcoming public events of the municipality."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import Router, Schema

from rathaus.core.tenancy.types import RathausRequest

from . import queries

router = Router(tags=["Veranstaltungen"])


class EventOut(Schema):
    id: int
    title: str
    summary: str
    event_type: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    address: str
    online: bool
    target_groups: list[str]
    tags: list[str]
    capacity: int
    free_seats: int
    status: str
    url: str


@router.get("", response=list[EventOut], summary="Kommende öffentliche Veranstaltungen")
def list_events(
    request: RathausRequest, tag: str = "", event_type: str = "", limit: int = 50
) -> list[EventOut]:
    muni = request.municipality
    events = queries.upcoming_events(
        muni, tag=tag[:60], event_type=event_type[:20], limit=max(1, min(limit, 200))
    )
    return [
        EventOut(
            id=e.pk,
            title=e.title,
            summary=e.summary,
            event_type=e.event_type,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            venue=e.venue,
            address=e.address,
            online=bool(e.online_url),
            target_groups=e.target_groups,
            tags=[t.name for t in e.tags.all()],
            capacity=e.capacity,
            free_seats=e.free_seats or 0,
            status=e.status,
            url=request.build_absolute_uri(reverse("events:detail", args=[e.pk])),
        )
        for e in events
    ]
