"""The limits, the error every rule raises, and who may book or advise."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef

from rathaus.consulting.models import (
    Advisor,
    Booking,
    BookingStatus,
)
from rathaus.core.tenancy.models import Municipality

MAX_ACTIVE_BOOKINGS = 3
CANCELLATION_DEADLINE = timedelta(hours=24)
REMINDER_LEAD = timedelta(hours=24)
MAX_SERIES_WEEKS = 12
BOOKING_HORIZON = timedelta(days=180)
MIN_DURATION = timedelta(minutes=15)
MAX_DURATION = timedelta(hours=4)


class ConsultingError(Exception):
    """A rule was broken; ``message`` is for the person (German, translated), ``code`` for tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _active_booking() -> Exists:
    return Exists(Booking.objects.filter(slot=OuterRef("pk"), status=BookingStatus.ACTIVE))


def is_verified(user: Any) -> bool:
    """A verified account: an e-mail address confirmed through allauth."""
    if not getattr(user, "is_authenticated", False):
        return False
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def advisor_of(user: Any, municipality: Municipality) -> Advisor | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Advisor.objects.for_tenant(municipality).filter(user=user, is_active=True).first()
