"""Read paths of the Terminvergabe: bookable services, free start times, day lists.

``available`` computes the free start times of a location for a set of services over a date range:
opening hours ∩ the availabilities of staff who serve all the services, minus blocked days and the
busy times (existing appointments plus buffer) of each counter and each staff member, on the
location's grid, not before the longest lead time. The interval arithmetic is the shared engine's
(rathaus.core.appointments). Four queries whatever the range.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from rathaus.core import appointments as engine
from rathaus.core.tenancy.models import Municipality

from .models import (
    Appointment,
    Availability,
    BlockedDay,
    Counter,
    Location,
    OpeningHours,
    ServiceSetting,
    Status,
)

if TYPE_CHECKING:
    from rathaus.catalog.models import Service
    from rathaus.core.accounts.models import User

MAX_SERVICES = 5  # different services in one appointment
MAX_TOTAL = timedelta(hours=3)  # the summed duration of one appointment
WEEK = 7


@dataclass(frozen=True)
class Choice:
    """A chosen service and how many times (e.g. two passports)."""

    setting: ServiceSetting
    quantity: int = 1

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.setting.duration_minutes * self.quantity)


def total_duration(choices: Sequence[Choice]) -> timedelta:
    return sum((c.duration for c in choices), timedelta(0))


def earliest_start(choices: Sequence[Choice], now: datetime) -> datetime:
    lead = max((c.setting.lead_time_hours for c in choices), default=0)
    return now + timedelta(hours=lead)


def locations(municipality: Municipality) -> QuerySet[Location]:
    return Location.objects.for_tenant(municipality).filter(is_active=True)


def bookable_settings(
    municipality: Municipality, location: Location | None = None
) -> QuerySet[ServiceSetting]:
    qs = (
        ServiceSetting.objects.for_tenant(municipality)
        .filter(is_bookable=True, service__is_published=True, location__is_active=True)
        .select_related("service", "location")
        .order_by("service__name")
    )
    return qs.filter(location=location) if location is not None else qs


def booking_url(municipality: Municipality, service: Service) -> str | None:
    """For the catalogue page: where to book an appointment for this service, if one can."""
    setting = bookable_settings(municipality).filter(service_id=service.pk).first()
    if setting is None:
        return None
    return reverse("appointments:times", args=[setting.location.slug]) + f"?anzahl-{setting.pk}=1"


@dataclass
class Availabilities:
    """Free start times: per start, the (counter id, staff id) pairs that could take it, in order."""

    starts: dict[datetime, list[tuple[int, int]]] = field(default_factory=dict)

    def days(self) -> dict[date, list[datetime]]:
        out: dict[date, list[datetime]] = defaultdict(list)
        for start in sorted(self.starts):
            out[timezone.localtime(start).date()].append(start)
        return dict(out)


def _range(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(day_from, time.min), tz),
        timezone.make_aware(datetime.combine(day_to + timedelta(days=1), time.min), tz),
    )


def available(
    location: Location,
    choices: Sequence[Choice],
    day_from: date,
    day_to: date,
    *,
    now: datetime | None = None,
    ignore: Appointment | None = None,
) -> Availabilities:
    """Free start times for ``choices`` at ``location`` on day_from..day_to (inclusive).

    ``ignore``: an appointment whose time counts as free (rebooking it)."""
    now = now or timezone.now()
    result = Availabilities()
    if not choices:
        return result
    duration = total_duration(choices)
    earliest = max(earliest_start(choices, now), now)
    horizon = timezone.localdate(now) + timedelta(days=location.horizon_days)
    day_to = min(day_to, horizon)
    if day_to < day_from:
        return result
    wanted = {c.setting.pk for c in choices}
    step = timedelta(minutes=location.step_minutes)
    buffer = timedelta(minutes=location.buffer_minutes)
    range_start, range_end = _range(day_from, day_to)

    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for oh in OpeningHours.objects.filter(location=location).only("weekday", "opens", "closes"):
        hours[oh.weekday].append((oh.opens, oh.closes))
    blocked = set(
        BlockedDay.objects.filter(location=location, day__gte=day_from, day__lte=day_to).values_list(
            "day", flat=True
        )
    )
    served: dict[int, set[int]] = defaultdict(set)
    through = Availability.services.through.objects.filter(
        availability__counter__location=location, availability__counter__is_active=True
    )
    for availability_id, setting_id in through.values_list("availability_id", "servicesetting_id"):
        served[availability_id].add(setting_id)
    avails = [
        a
        for a in Availability.objects.filter(counter__location=location, counter__is_active=True)
        .only("pk", "counter_id", "staff_id", "weekday", "starts", "ends")
        .order_by("counter__name", "counter_id", "starts", "pk")
        if wanted <= served[a.pk]
    ]
    if not avails:
        return result
    busy_counter: dict[int, list[engine.Interval]] = defaultdict(list)
    busy_staff: dict[int, list[engine.Interval]] = defaultdict(list)
    rows = Appointment.objects.filter(
        location=location,
        status=Status.BOOKED,
        starts_at__lt=range_end + MAX_TOTAL,
        blocked_until__gt=range_start - MAX_TOTAL,
    )
    if ignore is not None and ignore.pk:
        rows = rows.exclude(pk=ignore.pk)
    for counter_id, staff_id, start, until in rows.values_list(
        "counter_id", "staff_id", "starts_at", "blocked_until"
    ):
        busy_counter[counter_id].append((start, until))
        if staff_id:
            busy_staff[staff_id].append((start, until))
    # A staff member's appointments at other locations make him busy too.
    staff_ids = {a.staff_id for a in avails}
    for staff_id, start, until in (
        Appointment.objects.filter(
            staff_id__in=staff_ids,
            status=Status.BOOKED,
            starts_at__lt=range_end + MAX_TOTAL,
            blocked_until__gt=range_start - MAX_TOTAL,
        )
        .exclude(location=location)
        .values_list("staff_id", "starts_at", "blocked_until")
    ):
        busy_staff[staff_id].append((start, until))

    # All comparisons in UTC: datetimes with the same tzinfo object compare without utcoffset() calls
    # (the database returns UTC already); the results are converted back to local time once.
    tz = timezone.get_current_timezone()
    utc = UTC
    earliest = earliest.astimezone(utc)
    found: dict[datetime, list[tuple[int, int]]] = {}
    merged: dict[tuple[int, int], list[engine.Interval]] = {}  # busy times of a (counter, staff) pair
    day = day_from
    while day <= day_to:
        if day not in blocked and hours.get(day.weekday()):
            opening = [_utc(engine.local_interval(day, o, c, tz)) for o, c in hours[day.weekday()]]
            for a in avails:
                if a.weekday != day.weekday():
                    continue
                shift = _utc(engine.local_interval(day, a.starts, a.ends, tz))
                pair = (a.counter_id, a.staff_id)
                busy = merged.get(pair)
                if busy is None:
                    busy = merged[pair] = engine.merge(
                        _utc(b) for b in busy_counter[a.counter_id] + busy_staff[a.staff_id]
                    )
                for window in opening:
                    part = engine.intersect(window, shift)
                    if part is None:
                        continue
                    for start in engine.free_starts(
                        part,
                        engine.overlapping(busy, (part[0], part[1] + buffer)),
                        duration=duration,
                        step=step,
                        buffer=buffer,
                        earliest=earliest,
                    ):
                        found.setdefault(start, []).append((a.counter_id, a.staff_id))
        day += timedelta(days=1)
    result.starts = {s.astimezone(tz): options for s, options in found.items()}
    return result


def _utc(interval: engine.Interval) -> engine.Interval:
    utc = UTC
    return (interval[0].astimezone(utc), interval[1].astimezone(utc))


def options_at(
    location: Location, choices: Sequence[Choice], start: datetime, *, ignore: Appointment | None = None
) -> list[tuple[int, int]]:
    """The (counter, staff) pairs free for exactly ``start`` (empty: not bookable)."""
    day = timezone.localtime(start).date()
    return available(location, choices, day, day, ignore=ignore).starts.get(start, [])


def day_list(location: Location, day: date, counter: Counter | None = None) -> QuerySet[Appointment]:
    """The staff's list of one day: booked, no-show and cancelled appointments, per counter."""
    start, end = _range(day, day)
    qs = Appointment.objects.filter(
        location=location,
        starts_at__gte=start,
        starts_at__lt=end,
        status__in=[Status.BOOKED, Status.NO_SHOW, Status.CANCELLED],
        counter__isnull=False,
    )
    if counter is not None:
        qs = qs.filter(counter=counter)
    return (
        qs.select_related("counter", "staff")
        .prefetch_related(Prefetch("items", queryset=_items()))
        .order_by("counter__name", "starts_at")
    )


def _items() -> QuerySet[Any]:
    from .models import AppointmentItem

    return AppointmentItem.objects.select_related("setting__service")


def appointment_by_manage_token(municipality: Municipality, token: str) -> Appointment | None:
    if not token:
        return None
    return (
        Appointment.objects.for_tenant(municipality)
        .filter(manage_hash=engine.token_hash(token))
        .select_related("location", "counter")
        .prefetch_related(Prefetch("items", queryset=_items()))
        .first()
    )


def appointment_by_confirm_token(municipality: Municipality, token: str) -> Appointment | None:
    if not token:
        return None
    return (
        Appointment.objects.for_tenant(municipality)
        .filter(confirm_hash=engine.token_hash(token))
        .select_related("location")
        .prefetch_related(Prefetch("items", queryset=_items()))
        .first()
    )


def appointments_of(user: User, municipality: Municipality) -> QuerySet[Appointment]:
    return (
        Appointment.objects.for_tenant(municipality)
        .filter(user=user, status__in=[Status.BOOKED, Status.CANCELLED, Status.NO_SHOW])
        .select_related("location", "counter")
        .prefetch_related(Prefetch("items", queryset=_items()))
        .order_by("-starts_at")
    )


def upcoming_for_user(municipality: Municipality, user: User) -> QuerySet[Appointment]:
    """The signed-in person's booked appointments that have not ended yet („Meine Termine“)."""
    return (
        Appointment.objects.filter(
            municipality=municipality, user=user, status=Status.BOOKED, ends_at__gte=timezone.now()
        )
        .select_related("location")
        .prefetch_related("items__setting__service")
        .order_by("starts_at")
    )
