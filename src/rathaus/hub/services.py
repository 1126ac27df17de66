"""Public API of the Digital Hub for writes: booking, cancelling, check-in, releasing no-shows.

Every rule of a booking is checked here (views, API, commands and tasks all come through ``book``).
The overlap rule is enforced twice: inside a transaction that holds the lock (SQLite: BEGIN
IMMEDIATE takes the database write lock; PostgreSQL: READ COMMITTED re-check) and, on PostgreSQL,
by the exclusion constraint ``hub_booking_no_overlap`` whose IntegrityError becomes a BookingError.
The same for "one desk per person at a time" (``hub_booking_one_desk_per_person``; the person's row
lock serialises their bookings on PostgreSQL).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rathaus.core.accounts import services as accounts
from rathaus.core.accounts.models import User
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.mail import bilingual_body, bilingual_subject
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality
from rathaus.formats import localize

from .models import (
    Booking,
    BookingStatus,
    BookingUnit,
    CalendarFeed,
    ClosingDay,
    Location,
    OpeningHours,
    Resource,
    ResourceGroup,
    ResourceKind,
)

# one of the objects save_object takes; it returns the same type
_HubObject = TypeVar("_HubObject", ResourceGroup, Resource, ClosingDay)

BERLIN = ZoneInfo("Europe/Berlin")
CHECKIN_EARLY_MINUTES = 15  # check-in opens this long before the start
MAX_REPEAT_WEEKS = 12


class BookingError(Exception):
    """A booking rule refused the request; ``message`` is shown to the person as it is."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- Time helpers ---------------------------------------------------------------------------------


def local(dt: datetime) -> datetime:
    return dt.astimezone(BERLIN)


def at(day: date, t: time) -> datetime:
    """An aware datetime for a local wall-clock time in Europe/Berlin."""
    return datetime.combine(day, t, tzinfo=BERLIN)


@dataclass(frozen=True)
class DayHours:
    opens: datetime
    closes: datetime


def opening_on(
    day: date, hours: dict[int, tuple[time, time]], closed: dict[date, str]
) -> DayHours | str | None:
    """Opening hours of ``day``: DayHours, None (closed that weekday) or the closing-day reason (str)."""
    if day in closed:
        return closed[day]
    interval = hours.get(day.weekday())
    if interval is None:
        return None
    return DayHours(at(day, interval[0]), at(day, interval[1]))


def hours_of(location: Location) -> dict[int, tuple[time, time]]:
    return {h.weekday: (h.opens, h.closes) for h in location.opening_hours.all()}


def closed_days(location: Location, start: date, end: date) -> dict[date, str]:
    return dict(
        ClosingDay.objects.filter(location=location, date__gte=start, date__lte=end).values_list(
            "date", "reason"
        )
    )


def half_day_split(h: DayHours) -> datetime:
    """Where the morning ends: the middle of the opening hours, rounded down to the half hour."""
    mid = h.opens + (h.closes - h.opens) / 2
    mid_local = local(mid)
    return mid_local.replace(minute=mid_local.minute - mid_local.minute % 30, second=0, microsecond=0)


def units(resource: Resource, h: DayHours) -> list[tuple[datetime, datetime]]:
    """The smallest bookable pieces of one opening day for this resource."""
    if resource.booking_unit == BookingUnit.DAY:
        return [(h.opens, h.closes)]
    if resource.booking_unit == BookingUnit.HALF_DAY:
        mid = half_day_split(h)
        return [(h.opens, mid), (mid, h.closes)]
    step = timedelta(minutes=resource.slot_minutes)
    out = []
    t = h.opens
    while t + step <= h.closes:
        out.append((t, t + step))
        t += step
    return out


def unit_label(resource: Resource) -> str:
    if resource.booking_unit == BookingUnit.SLOT:
        return _("Zeitfenster zu %(n)s Minuten") % {"n": resource.slot_minutes}
    return str(resource.get_booking_unit_display())


def _aligned(resource: Resource, h: DayHours, start: datetime, end: datetime) -> bool:
    pieces = units(resource, h)
    starts = {s for s, _e in pieces}
    ends = {e for _s, e in pieces}
    return start in starts and end in ends


# --- Booking -----------------------------------------------------------------------------------------


def is_verified(user: User) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and EmailAddress.objects.filter(user=user, verified=True).exists()
    )


def may_book(user: User, group: ResourceGroup) -> bool:
    """The organisation restriction of a group (checked again by ``book``)."""
    return group.organisation_id is None or accounts.is_member_of_organisation(user, group.organisation_id)


def organisation_ids(user: User | AnonymousUser) -> frozenset[int]:
    """The organisations whose reserved resources ``user`` may book (one query; none for guests)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(org.pk for org in accounts.organisations_of(user))


def _fmt_day(day: date) -> str:
    return date_format(day, "l, j. F Y")


def check_rules(resource: Resource, user: User, start: datetime, end: datetime, *, now: datetime) -> None:
    """Every rule that does not depend on other bookings; raises BookingError with a German message."""
    group = resource.group
    location = group.location
    if not resource.is_active or not location.is_active:
        raise BookingError(_("Diese Ressource ist derzeit nicht buchbar."), "inactive")
    if not is_verified(user):
        raise BookingError(
            _("Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse, dann können Sie buchen."), "unverified"
        )
    if group.organisation_id is not None and not accounts.is_member_of_organisation(
        user, group.organisation_id
    ):
        raise BookingError(
            _("Diese Ressource ist Mitgliedern der Organisation „%(org)s“ vorbehalten.")
            % {"org": group.organisation},
            "restricted",
        )
    if end <= start:
        raise BookingError(_("Das Ende muss nach dem Beginn liegen."), "order")
    if start < now:
        raise BookingError(_("Der gewählte Zeitraum liegt in der Vergangenheit."), "past")
    day = local(start).date()
    if local(end).date() != day and local(end).timetz().replace(tzinfo=None) != time(0):
        raise BookingError(_("Eine Buchung muss am selben Tag beginnen und enden."), "span")
    last_day = local(now).date() + timedelta(days=group.max_days_ahead)
    if day > last_day:
        raise BookingError(
            _("Buchungen sind höchstens %(n)s Tage im Voraus möglich (bis %(day)s).")
            % {"n": group.max_days_ahead, "day": _fmt_day(last_day)},
            "horizon",
        )
    if group.min_notice_minutes and start < now + timedelta(minutes=group.min_notice_minutes):
        raise BookingError(
            _("Bitte buchen Sie mindestens %(n)s Minuten vor Beginn.") % {"n": group.min_notice_minutes},
            "notice",
        )
    opening = opening_on(day, hours_of(location), closed_days(location, day, day))
    if isinstance(opening, str):
        reason = f" ({opening})" if opening else ""
        raise BookingError(
            _("Am %(day)s ist %(location)s geschlossen%(reason)s.")
            % {"day": _fmt_day(day), "location": location.name, "reason": reason},
            "closed",
        )
    if opening is None:
        raise BookingError(
            _("Am %(day)s ist %(location)s geschlossen.") % {"day": _fmt_day(day), "location": location.name},
            "closed",
        )
    if start < opening.opens or end > opening.closes:
        raise BookingError(
            _("Buchungen sind nur innerhalb der Öffnungszeiten möglich (%(opens)s–%(closes)s Uhr).")
            % {"opens": f"{local(opening.opens):%H:%M}", "closes": f"{local(opening.closes):%H:%M}"},
            "hours",
        )
    if not _aligned(resource, opening, start, end):
        raise BookingError(
            _("Bitte wählen Sie Beginn und Ende passend zur Buchungseinheit: %(unit)s.")
            % {"unit": unit_label(resource)},
            "unit",
        )


def active_bookings(user: User, *, now: datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return Booking.objects.filter(user=user, status=BookingStatus.CONFIRMED, ends_at__gt=now)


def _overlapping(resource: Resource, start: datetime, end: datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(
        resource=resource, status=BookingStatus.CONFIRMED, starts_at__lt=end, ends_at__gt=start
    )


def _other_desk(user: User, start: datetime, end: datetime) -> QuerySet[Booking]:
    """The person's confirmed desk bookings overlapping ``start``–``end`` (any desk, any location)."""
    return Booking.objects.filter(
        user=user,
        status=BookingStatus.CONFIRMED,
        resource_kind=ResourceKind.DESK,
        starts_at__lt=end,
        ends_at__gt=start,
    )


def _refuse_second_desk(other: Booking | None) -> BookingError:
    text = _(
        "Sie haben zu dieser Zeit bereits einen Arbeitsplatz gebucht. "
        "Eine Person kann nur einen Arbeitsplatz zur selben Zeit belegen."
    )
    if other is not None:
        s, e = local(other.starts_at), local(other.ends_at)
        text += " " + _("Ihre Buchung: %(resource)s, %(day)s, %(start)s–%(end)s Uhr.") % {
            "resource": other.resource.name,
            "day": _fmt_day(s.date()),
            "start": f"{s:%H:%M}",
            "end": f"{e:%H:%M}",
        }
    return BookingError(text, "second_desk")


def _refuse_overlap(user: User, clash: Booking | None) -> BookingError:
    if clash is not None and clash.user_id == getattr(user, "pk", None):
        return BookingError(_("Sie haben diesen Zeitraum bereits gebucht."), "duplicate")
    return BookingError(_("Dieser Zeitraum ist bereits belegt. Bitte wählen Sie einen anderen."), "overlap")


def book(
    resource: Resource,
    user: User,
    start: datetime,
    end: datetime,
    *,
    ctx: ServiceContext | None = None,
    series: uuid.UUID | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> Booking:
    """Book ``resource`` for ``user`` from ``start`` to ``end`` or raise BookingError."""
    now = now or timezone.now()
    check_rules(resource, user, start, end, now=now)
    group = resource.group
    try:
        # SQLite: BEGIN IMMEDIATE (settings) holds the write lock from here to COMMIT, so the checks
        # below cannot be overtaken by another writer. PostgreSQL: the user row lock serialises one
        # person's bookings (the per-person limit); the exclusion constraint settles the rest.
        with transaction.atomic():
            if connection.vendor == "postgresql":
                list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
            active = active_bookings(user, now=now).filter(resource__group=group).count()
            if active >= group.max_active_bookings:
                raise BookingError(
                    _(
                        "Sie haben bereits %(n)s aktive Buchungen in „%(group)s“. Mehr sind nicht möglich; "
                        "stornieren Sie bei Bedarf eine Buchung."
                    )
                    % {"n": active, "group": group.name},
                    "limit",
                )
            clash = _overlapping(resource, start, end).first()
            if clash is not None:
                raise _refuse_overlap(user, clash)
            if resource.kind == ResourceKind.DESK:
                other = _other_desk(user, start, end).select_related("resource").first()
                if other is not None:
                    raise _refuse_second_desk(other)
            booking = Booking.objects.create(
                municipality=resource.municipality,
                resource=resource,
                user=user,
                resource_kind=resource.kind,
                starts_at=start,
                ends_at=end,
                series=series,
            )
            audit.record(
                "hub.booking.created",
                ctx=ctx,
                actor=user,
                municipality=resource.municipality,
                obj=booking,
                changes={"starts_at": [None, start.isoformat()], "ends_at": [None, end.isoformat()]},
            )
            if notify:
                _mail_confirmation(booking, user)
    except IntegrityError as exc:
        # An exclusion constraint: a booking committed between our check and insert.
        if "hub_booking_one_desk_per_person" in str(exc):
            raise _refuse_second_desk(None) from exc
        if "hub_booking_no_overlap" not in str(exc):
            raise
        raise _refuse_overlap(user, None) from exc
    return booking


def _mail_confirmation(booking: Booking, user: User) -> None:
    start, end = local(booking.starts_at), local(booking.ends_at)

    def body() -> str:
        return _(
            "Guten Tag,\n\nIhre Buchung ist bestätigt:\n%(resource)s, %(location)s\n"
            "%(day)s, %(start)s–%(end)s Uhr\n\n"
            "Bitte checken Sie vor Ort ein (Knopf unter „Meine Buchungen“ oder QR-Code am Platz). "
            "Ohne Check-in wird der Platz %(grace)s Minuten nach Beginn wieder freigegeben.\n"
        ) % {
            "resource": booking.resource.name,
            "location": booking.resource.group.location.name,
            "day": _fmt_day(start.date()),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "grace": booking.resource.group.no_show_grace_minutes,
        }

    send_email_after_commit(
        bilingual_subject(lambda: _("Buchung bestätigt: %(name)s") % {"name": booking.resource.name}),
        bilingual_body(body),
        [user.email],
    )


@dataclass
class SeriesResult:
    day: date
    booking: Booking | None
    error: str = ""


def book_weekly(
    resource: Resource,
    user: User,
    start: datetime,
    end: datetime,
    weeks: int,
    *,
    ctx: ServiceContext | None = None,
    now: datetime | None = None,
) -> list[SeriesResult]:
    """Book the same time weekly for ``weeks`` weeks: whatever is free; conflicts are reported per date.

    Each date is its own transaction, so one refusal never undoes the others.
    """
    if not 1 <= weeks <= MAX_REPEAT_WEEKS:
        raise BookingError(
            _("Wiederholungen: zwischen 1 und %(n)s Wochen.") % {"n": MAX_REPEAT_WEEKS}, "repeat"
        )
    series = uuid.uuid4() if weeks > 1 else None
    results = []
    for i in range(weeks):
        # Wall-clock times stay the same across a daylight-saving change.
        day = local(start).date() + timedelta(weeks=i)
        s = at(day, local(start).time())
        e = (
            at(day, local(end).time())
            if local(end).time() != time(0)
            else at(day + timedelta(days=1), time(0))
        )
        try:
            booking = book(resource, user, s, e, ctx=ctx, series=series, notify=(i == 0), now=now)
            results.append(SeriesResult(day, booking))
        except BookingError as err:
            results.append(SeriesResult(day, None, err.message))
    return results


def cancel(
    booking: Booking,
    actor: User,
    *,
    operator: bool = False,
    ctx: ServiceContext | None = None,
    now: datetime | None = None,
) -> Booking:
    """Cancel a booking: the person up to the group's deadline, an operator at any time before the end."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("resource__group").get(pk=booking.pk)
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingError(_("Diese Buchung ist nicht mehr aktiv."), "inactive")
        if not operator and booking.user_id != actor.pk:
            raise BookingError(_("Das ist nicht Ihre Buchung."), "forbidden")
        if booking.ends_at <= now:
            raise BookingError(_("Diese Buchung ist bereits vorbei."), "past")
        deadline = booking.starts_at - timedelta(hours=booking.resource.group.cancellation_deadline_hours)
        if not operator and now > deadline:
            raise BookingError(
                _("Die Stornofrist ist abgelaufen (bis %(n)s Stunden vor Beginn, also bis %(when)s Uhr).")
                % {
                    "n": booking.resource.group.cancellation_deadline_hours,
                    "when": localize(local(deadline), "SHORT_DATETIME_FORMAT"),
                },
                "deadline",
            )
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        audit.record(
            "hub.booking.cancelled",
            ctx=ctx,
            actor=actor,
            municipality=booking.municipality,
            obj=booking,
            changes={"status": [BookingStatus.CONFIRMED, BookingStatus.CANCELLED]},
        )
    return booking


def check_in(
    booking: Booking, actor: User, *, ctx: ServiceContext | None = None, now: datetime | None = None
) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.user_id != actor.pk:
            raise BookingError(_("Das ist nicht Ihre Buchung."), "forbidden")
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingError(_("Diese Buchung ist nicht mehr aktiv."), "inactive")
        if booking.checked_in_at is not None:
            raise BookingError(_("Sie sind bereits eingecheckt."), "done")
        if now < booking.starts_at - timedelta(minutes=CHECKIN_EARLY_MINUTES):
            raise BookingError(
                _("Der Check-in ist frühestens %(n)s Minuten vor Beginn möglich.")
                % {"n": CHECKIN_EARLY_MINUTES},
                "early",
            )
        if now >= booking.ends_at:
            raise BookingError(_("Diese Buchung ist bereits vorbei."), "past")
        booking.checked_in_at = now
        booking.save(update_fields=["checked_in_at"])
        audit.record(
            "hub.booking.checked_in",
            ctx=ctx,
            actor=actor,
            municipality=booking.municipality,
            obj=booking,
        )
    return booking


def checkin_candidate(resource: Resource, user: User, *, now: datetime | None = None) -> Booking | None:
    """The person's booking of this resource that can be checked in now (QR code at the desk)."""
    now = now or timezone.now()
    return (
        Booking.objects.filter(
            resource=resource,
            user=user,
            status=BookingStatus.CONFIRMED,
            checked_in_at__isnull=True,
            starts_at__lte=now + timedelta(minutes=CHECKIN_EARLY_MINUTES),
            ends_at__gt=now,
        )
        .order_by("starts_at")
        .first()
    )


def release_no_shows(municipality: Municipality | None = None, *, now: datetime | None = None) -> int:
    """Release confirmed bookings without check-in once the group's grace time after the start is over."""
    now = now or timezone.now()
    groups = ResourceGroup.objects.all()
    if municipality is not None:
        groups = groups.filter(municipality=municipality)
    released = 0
    for group in groups:
        cutoff = now - timedelta(minutes=group.no_show_grace_minutes)
        with transaction.atomic():
            due = list(
                Booking.objects.select_for_update()
                .filter(
                    resource__group=group,
                    status=BookingStatus.CONFIRMED,
                    checked_in_at__isnull=True,
                    starts_at__lte=cutoff,
                )
                .order_by("pk")
            )
            for booking in due:
                booking.status = BookingStatus.RELEASED
                booking.save(update_fields=["status"])
                audit.record(
                    "hub.booking.released",
                    municipality=booking.municipality,
                    obj=booking,
                    changes={"status": [BookingStatus.CONFIRMED, BookingStatus.RELEASED]},
                )
            released += len(due)
    return released


# --- Calendar feed -----------------------------------------------------------------------------------


def feed_for(municipality: Municipality, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(municipality=municipality, user=user)
    return feed


def regenerate_feed(
    municipality: Municipality, user: User, *, ctx: ServiceContext | None = None
) -> CalendarFeed:
    from .models import _feed_token

    with transaction.atomic():
        feed = feed_for(municipality, user)
        feed.token = _feed_token()
        feed.save(update_fields=["token"])
        audit.record("hub.feed.regenerated", ctx=ctx, actor=user, municipality=municipality, obj=feed)
    return feed


# --- Operators: locations, groups, resources, closing days ---------------------------------------------


def save_location(
    location: Location,
    hours: dict[int, tuple[time, time] | None],
    actor: User,
    *,
    ctx: ServiceContext | None = None,
) -> Location:
    with transaction.atomic():
        created = location.pk is None
        location.save()
        for weekday, interval in hours.items():
            if interval is None:
                OpeningHours.objects.filter(location=location, weekday=weekday).delete()
            else:
                OpeningHours.objects.update_or_create(
                    location=location, weekday=weekday, defaults={"opens": interval[0], "closes": interval[1]}
                )
        audit.record(
            "hub.location.created" if created else "hub.location.changed",
            ctx=ctx,
            actor=actor,
            municipality=location.municipality,
            obj=location,
        )
    return location


def save_object(obj: _HubObject, actor: User, *, ctx: ServiceContext | None = None) -> _HubObject:
    with transaction.atomic():
        created = obj.pk is None
        obj.save()
        audit.record(
            f"hub.{obj._meta.model_name}.{'created' if created else 'changed'}",
            ctx=ctx,
            actor=actor,
            municipality=obj.municipality,
            obj=obj,
        )
    _reindex(obj)
    return obj


def delete_closing_day(day: ClosingDay, actor: User, *, ctx: ServiceContext | None = None) -> None:
    with transaction.atomic():
        audit.record("hub.closingday.deleted", ctx=ctx, actor=actor, municipality=day.municipality, obj=day)
        day.delete()


def _reindex(obj: Any) -> None:
    if isinstance(obj, Resource):
        from .search_provider import index_resource

        index_resource(obj)


# --- DSGVO ---------------------------------------------------------------------------------------------


def export_bookings(user: User) -> tuple[str, Any]:
    rows: Iterable[Booking] = Booking.objects.filter(user=user).select_related("resource", "municipality")
    return "digital_hub_bookings", [
        {
            "municipality": b.municipality.name,
            "resource": b.resource.name,
            "starts_at": b.starts_at.isoformat(),
            "ends_at": b.ends_at.isoformat(),
            "status": b.status,
            "checked_in_at": b.checked_in_at.isoformat() if b.checked_in_at else None,
        }
        for b in rows
    ]


def upcoming_for(user: User, municipality: Municipality) -> QuerySet[Booking]:
    return (
        Booking.objects.for_tenant(municipality)
        .filter(user=user)
        .filter(Q(status=BookingStatus.CONFIRMED) | Q(ends_at__gt=timezone.now() - timedelta(days=30)))
        .select_related("resource__group__location")
        .order_by("-starts_at")
    )
