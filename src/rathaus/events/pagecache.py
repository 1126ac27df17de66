"""Page cache declaration of the events (ADR 0017)."""

from rathaus.core.pagecache.registry import register

from .models import Event, EventDate, Registration, Tag

register(
    "events",
    models=[Event, EventDate, Tag, Registration],  # registrations change the places left
    pages=["events:list", "events:detail", "events:event_ics", "events_feed", "api:list_events"],
)
