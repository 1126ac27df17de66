"""Reminders: each sent once, the day before."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from rathaus.consulting.models import (
    Booking,
    BookingStatus,
)
from rathaus.core import appointments as engine
from rathaus.core.tenancy.models import Municipality

from .base import REMINDER_LEAD
from .mails import _mail_booking


def due_reminders(municipality: Municipality, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Booking.objects.for_tenant(municipality)
        .filter(
            status=BookingStatus.ACTIVE,
            reminder_sent_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + REMINDER_LEAD,
        )
        .values_list("pk", flat=True)
    )


def send_reminders(municipality: Municipality, now: datetime | None = None) -> int:
    """Send every due reminder exactly once, even when two workers run at the same time
    (the shared appointment engine claims each one by a conditional UPDATE)."""
    now = now or timezone.now()

    def send(pk: int) -> None:
        booking = Booking.objects.select_related(
            "slot", "slot__advisor", "topic", "user", "municipality"
        ).get(pk=pk)
        _mail_booking(booking, "reminder")

    return engine.send_due_reminders(
        Booking.objects.filter(pk__in=due_reminders(municipality, now)),
        lambda pk: Booking.objects.filter(pk=pk, status=BookingStatus.ACTIVE, reminder_sent_at__isnull=True),
        send,
        now,
    )
