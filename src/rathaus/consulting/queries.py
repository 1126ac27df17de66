"""Read paths of consulting: free slots, someone's bookings, the operator's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rathaus.core.tenancy.models import Municipality

from .models import Advisor, Booking, BookingStatus, Slot, Topic

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User

PAGE_SIZE = 50  # slots per page of the public list


def topics(municipality: Municipality) -> QuerySet[Topic]:
    return Topic.objects.for_tenant(municipality).filter(is_active=True)


def _with_topics(qs: QuerySet[Slot]) -> QuerySet[Slot]:
    return qs.select_related("advisor").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("name"))
    )


def free_slots(
    municipality: Municipality,
    *,
    topic: Topic | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    now: datetime | None = None,
) -> QuerySet[Slot]:
    """Bookable slots: future, not withdrawn, by an active advisor, without an active booking."""
    now = now or timezone.now()
    qs = Slot.objects.for_tenant(municipality).filter(
        withdrawn_at__isnull=True, starts_at__gt=now, advisor__is_active=True
    )
    qs = qs.exclude(Exists(Booking.objects.filter(slot=OuterRef("pk"), status=BookingStatus.ACTIVE)))
    tz = timezone.get_current_timezone()
    if day_from:
        qs = qs.filter(starts_at__gte=timezone.make_aware(datetime.combine(day_from, time.min), tz))
    if day_to:
        qs = qs.filter(
            starts_at__lt=timezone.make_aware(datetime.combine(day_to + timedelta(days=1), time.min), tz)
        )
    if topic is not None:
        qs = qs.filter(topics=topic)
    return _with_topics(qs).order_by("starts_at", "id")


def bookings_of(user: User, municipality: Municipality) -> QuerySet[Booking]:
    return (
        Booking.objects.for_tenant(municipality)
        .filter(user=user)
        .select_related("slot", "slot__advisor", "topic")
        .order_by("-slot__starts_at")
    )


def managed_slots(
    municipality: Municipality, advisor: Advisor | None, *, upcoming: bool = True
) -> QuerySet[Slot]:
    """Slots for the management page: one advisor's, or all (advisor=None, for managers)."""
    qs = Slot.objects.for_tenant(municipality)
    if advisor is not None:
        qs = qs.filter(advisor=advisor)
    if upcoming:
        qs = qs.filter(ends_at__gte=timezone.now() - timedelta(days=1))
    active = Booking.objects.filter(status=BookingStatus.ACTIVE).select_related("user", "topic")
    return (
        _with_topics(qs)
        .prefetch_related(Prefetch("bookings", queryset=active, to_attr="active_bookings"))
        .order_by("starts_at", "id")
    )


# --- Operator dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandRow:
    month: date
    topic: str
    bookings: int


def demand_by_topic(municipality: Municipality, start: date, end: date) -> list[DemandRow]:
    """Bookings (not cancelled) per topic and month of the appointment, start <= day < end."""
    tz = timezone.get_current_timezone()
    rows = (
        Booking.objects.for_tenant(municipality)
        .filter(
            status=BookingStatus.ACTIVE,
            slot__starts_at__gte=timezone.make_aware(datetime.combine(start, time.min), tz),
            slot__starts_at__lt=timezone.make_aware(datetime.combine(end, time.min), tz),
        )
        .annotate(month=TruncMonth("slot__starts_at", tzinfo=tz))
        .values("month", "topic__name")
        .annotate(n=Count("id"))
        .order_by("month", "topic__name")
    )
    return [DemandRow(_as_date(r["month"]), r["topic__name"], r["n"]) for r in rows]


@dataclass(frozen=True)
class UtilisationRow:
    month: date
    offered: int
    booked: int

    @property
    def rate(self) -> float:
        return self.booked / self.offered if self.offered else 0.0


def utilisation(municipality: Municipality, start: date, end: date) -> list[UtilisationRow]:
    """Slots offered (not withdrawn) and slots booked per month, start <= day < end."""
    tz = timezone.get_current_timezone()
    rows = (
        Slot.objects.for_tenant(municipality)
        .filter(
            withdrawn_at__isnull=True,
            starts_at__gte=timezone.make_aware(datetime.combine(start, time.min), tz),
            starts_at__lt=timezone.make_aware(datetime.combine(end, time.min), tz),
        )
        .annotate(month=TruncMonth("starts_at", tzinfo=tz))
        .values("month")
        .annotate(
            offered=Count("id", distinct=True),
            booked=Count("bookings", filter=Q(bookings__status=BookingStatus.ACTIVE), distinct=True),
        )
        .order_by("month")
    )
    return [UtilisationRow(_as_date(r["month"]), r["offered"], r["booked"]) for r in rows]


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
