"""Publishing slots: one, or a weekly series, and withdrawing one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.consulting.models import (
    Advisor,
    Booking,
    BookingStatus,
    Mode,
    Slot,
    Topic,
)
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext

from .base import BOOKING_HORIZON, MAX_DURATION, MAX_SERIES_WEEKS, MIN_DURATION, ConsultingError
from .booking import _cancel

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User


@dataclass
class SeriesResult:
    created: list[Slot] = field(default_factory=list)
    conflicts: list[datetime] = field(default_factory=list)  # starts skipped: overlap with own slot


def publish_slots(
    advisor: Advisor,
    *,
    starts_at: datetime,
    duration: timedelta,
    mode: str,
    location: str,
    topics: list[Topic],
    weeks: int = 1,
    actor: User | None,
    ctx: ServiceContext | None = None,
) -> SeriesResult:
    """Publish one slot, or a weekly series of ``weeks`` slots (same weekday and local time).

    Slots overlapping another slot of the same advisor are skipped and reported; everything else
    is created in one transaction. Rules: future start, 15 min – 4 h, within the horizon, at least
    one active topic of the advisor's municipality.
    """
    muni = advisor.municipality
    now = timezone.now()
    _check_publishable(
        advisor, duration=duration, mode=mode, topics=topics, weeks=weeks, starts_at=starts_at, now=now
    )
    starts = _weekly_starts(starts_at, weeks)
    if starts[-1] > now + BOOKING_HORIZON:
        raise ConsultingError(
            "horizon", _("Termine können höchstens 180 Tage im Voraus veröffentlicht werden.")
        )

    result = SeriesResult()
    series = uuid.uuid4() if weeks > 1 else None
    with transaction.atomic():
        # Lock the advisor: two managers publishing for one advisor at once cannot overlap.
        Advisor.objects.select_for_update().filter(pk=advisor.pk).first()
        for start in starts:
            end = start + duration
            overlap = Slot.objects.filter(
                advisor=advisor, withdrawn_at__isnull=True, starts_at__lt=end, ends_at__gt=start
            ).exists()
            if overlap:
                result.conflicts.append(start)
                continue
            slot = Slot.objects.create(
                municipality=muni,
                advisor=advisor,
                starts_at=start,
                ends_at=end,
                mode=mode,
                location=location[:200],
                series=series,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            slot.topics.set(topics)
            result.created.append(slot)
        if result.created:
            audit.record(
                "consulting.slots.published",
                ctx=ctx,
                actor=actor,
                municipality=muni,
                object_type="consulting.slot",
                object_id=",".join(str(s.pk) for s in result.created)[:64],
                object_repr=f"{advisor.display_name}: {len(result.created)}",
                changes={"weeks": weeks, "conflicts": [c.isoformat() for c in result.conflicts]},
            )
    return result


def _check_publishable(
    advisor: Advisor,
    *,
    duration: timedelta,
    mode: str,
    topics: list[Topic],
    weeks: int,
    starts_at: datetime,
    now: datetime,
) -> None:
    """The rules a slot (or series) must meet before anything is written."""
    if not advisor.is_active:
        raise ConsultingError("advisor_inactive", _("Diese beratende Person ist nicht aktiv."))
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise ConsultingError(
            "series_length", _("Eine Serie umfasst 1 bis %(n)s Wochen.") % {"n": MAX_SERIES_WEEKS}
        )
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise ConsultingError("duration", _("Ein Termin dauert 15 Minuten bis 4 Stunden."))
    if starts_at <= now:
        raise ConsultingError("past", _("Der Termin liegt in der Vergangenheit."))
    if not topics:
        raise ConsultingError("topics", _("Bitte wählen Sie mindestens ein Thema."))
    if any(t.municipality_id != advisor.municipality_id or not t.is_active for t in topics):
        raise ConsultingError("topics", _("Unbekanntes Thema."))
    if mode not in Mode.values:
        raise ConsultingError("mode", _("Unbekannte Form der Beratung."))


def _weekly_starts(starts_at: datetime, weeks: int) -> list[datetime]:
    """Same local wall-clock time every week (daylight saving time changes the UTC offset)."""
    tz = timezone.get_current_timezone()
    local_start = timezone.localtime(starts_at, tz)
    return [
        timezone.make_aware((local_start + timedelta(weeks=week)).replace(tzinfo=None), tz)
        for week in range(weeks)
    ]


def withdraw_slot(slot: Slot, actor: User | None, *, ctx: ServiceContext | None = None) -> Slot:
    """Take a slot off the list; a booking on it is cancelled and the person is told."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if slot.withdrawn_at is not None:
            return slot
        booking = Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).first()
        if booking is not None:
            _cancel(booking, actor, by_advisor=True, ctx=ctx)
        slot.withdrawn_at = timezone.now()
        slot.save(update_fields=["withdrawn_at"])
        audit.record(
            "consulting.slot.withdrawn",
            ctx=ctx,
            actor=actor,
            municipality=slot.municipality,
            obj=slot,
        )
    return slot
