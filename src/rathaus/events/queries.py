"""Read paths of the events app, also the public interface for other modules and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rathaus.core.accounts.models import User
from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import TARGET_FIELDS, Event, EventStatus, Registration, RegistrationStatus, Tag

PAGE_SIZE = 20
FEED_PAST_DAYS = 365  # /events.ics keeps past events for a year
FEED_CACHE_SECONDS = 300  # … and is cached this long (dropped on every event save)
SEARCH_LIMIT = 500

_REGISTERED = Q(registrations__status=RegistrationStatus.REGISTERED)
_WAITLIST = Q(registrations__status=RegistrationStatus.WAITLIST)


def with_counts(qs: QuerySet[Event]) -> QuerySet[Event]:
    """Annotate seats taken and waiting-list length in the same query."""
    return qs.annotate(
        seats_taken=Count("registrations", filter=_REGISTERED),
        waitlist_count=Count("registrations", filter=_WAITLIST),
    )


@dataclass(frozen=True)
class EventFilter:
    event_type: str = ""
    target_group: str = ""
    tag: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    include_past: bool = False


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def public_events(municipality: Municipality, f: EventFilter | None = None) -> QuerySet[Event]:
    """The public list: listed events, upcoming unless asked otherwise, filtered, with counts and tags."""
    f = f or EventFilter()
    qs = Event.objects.for_tenant(municipality).listed()
    if not f.include_past:
        qs = qs.filter(ends_at__gte=timezone.now())
    if f.event_type:
        qs = qs.filter(event_type=f.event_type)
    if f.target_group in TARGET_FIELDS:
        qs = qs.filter(**{TARGET_FIELDS[f.target_group]: True})  # type: ignore[index]
    if f.tag:
        qs = qs.filter(tags__slug=f.tag)
    if f.date_from:
        qs = qs.filter(ends_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(starts_at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.q.strip():
        hits = search.search(municipality, f.q, kinds=["event"], limit=SEARCH_LIMIT)
        qs = qs.filter(pk__in=[pk for pk in (_pk_of(h.url) for h in hits) if pk is not None])
    return with_counts(qs).prefetch_related("tags").order_by("starts_at", "id")


def _pk_of(url: str) -> int | None:
    # Search hits carry the detail URL (/veranstaltungen/<pk>/); the last segment is the pk.
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return int(last) if last.isdigit() else None


def tags_in_use(municipality: Municipality) -> QuerySet[Tag]:
    return Tag.objects.for_tenant(municipality).filter(events__is_public=True).distinct().order_by("name")


def upcoming_events(
    municipality: Municipality,
    *,
    tag: str = "",
    event_type: str = "",
    target_group: str = "",
    limit: int = 5,
) -> list[Event]:
    """For other modules (hub, participation, home page): the next public events, optionally by tag slug."""
    f = EventFilter(event_type=event_type, target_group=target_group, tag=tag)
    qs = public_events(municipality, f).filter(status=EventStatus.PUBLISHED)
    return list(qs[:limit])


def event_detail(municipality: Municipality) -> QuerySet[Event]:
    return with_counts(Event.objects.for_tenant(municipality).visible()).prefetch_related("tags", "dates")


def feed_events(municipality: Municipality) -> QuerySet[Event]:
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    return (
        Event.objects.for_tenant(municipality)
        .listed()
        .filter(ends_at__gte=since)
        .prefetch_related("tags", "dates")
        .order_by("starts_at", "id")
    )


def _feed_version_key(municipality: Municipality) -> str:
    return f"events:feed-version:{municipality.pk}"


def feed_cache_key(municipality: Municipality, host: str) -> str:
    """Cache key of the rendered /events.ics; every event save bumps the version (forget_feed)."""
    version = cache.get_or_set(_feed_version_key(municipality), 1, None)
    return f"events:feed:{municipality.pk}:{version}:{host}"


def forget_feed(municipality: Municipality) -> None:
    try:
        cache.incr(_feed_version_key(municipality))
    except ValueError:
        cache.set(_feed_version_key(municipality), 2, None)


def staff_events(municipality: Municipality) -> QuerySet[Event]:
    return (
        with_counts(Event.objects.for_tenant(municipality))
        .annotate(
            pending_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.PENDING))
        )
        .order_by("-starts_at", "-id")
    )


def attendees(event: Event) -> QuerySet[Registration]:
    """Every registration of one event, seat holders first, then the waiting list in order."""
    return Registration.objects.filter(event=event).order_by("status", "queue_number", "id")


def registrations_of_user(municipality: Municipality, user: User) -> QuerySet[Registration]:
    return (
        Registration.objects.for_tenant(municipality)
        .filter(user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("event")
        .order_by("event__starts_at")
    )


def registration_of(event: Event, user: User | AnonymousUser | None) -> Registration | None:
    if user is None or not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event).filter(Q(user=user) | Q(email=user.email.lower())).first()


# --- Operator dashboard -------------------------------------------------------------------------


def stats_per_event(
    municipality: Municipality, *, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Registrations and attendance per event (one query)."""
    qs = Event.objects.for_tenant(municipality).exclude(status=EventStatus.DRAFT)
    if since:
        qs = qs.filter(starts_at__gte=since)
    if until:
        qs = qs.filter(starts_at__lt=until)
    rows = qs.annotate(
        registered=Count("registrations", filter=_REGISTERED),
        waitlist=Count("registrations", filter=_WAITLIST),
        attended=Count("registrations", filter=_REGISTERED & Q(registrations__attended_at__isnull=False)),
        cancelled=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CANCELLED)),
    ).order_by("starts_at", "id")
    return [
        {
            "event_id": e.pk,
            "title": e.title,
            "event_type": e.event_type,
            "starts_at": e.starts_at,
            "capacity": e.capacity,
            "registered": e.registered,
            "waitlist": e.waitlist,
            "attended": e.attended,
            "cancelled": e.cancelled,
            "utilisation": round(e.registered / e.capacity, 3) if e.capacity else 0.0,
        }
        for e in rows
    ]


def stats_per_month(
    municipality: Municipality, *, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Per calendar month of the event start (Europe/Berlin): events, registrations, attendance."""
    qs = Registration.objects.for_tenant(municipality).exclude(event__status=EventStatus.DRAFT)
    if since:
        qs = qs.filter(event__starts_at__gte=since)
    if until:
        qs = qs.filter(event__starts_at__lt=until)
    rows = (
        qs.annotate(month=TruncMonth("event__starts_at"))
        .values("month")
        .annotate(
            events=Count("event", distinct=True),
            registered=Count("id", filter=Q(status=RegistrationStatus.REGISTERED)),
            waitlist=Count("id", filter=Q(status=RegistrationStatus.WAITLIST)),
            attended=Count("id", filter=Q(status=RegistrationStatus.REGISTERED, attended_at__isnull=False)),
        )
        .order_by("month")
    )
    return [
        {
            "month": r["month"].date() if isinstance(r["month"], datetime) else r["month"],
            "events": r["events"],
            "registered": r["registered"],
            "waitlist": r["waitlist"],
            "attended": r["attended"],
        }
        for r in rows
    ]
