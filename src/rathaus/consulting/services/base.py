"""The limits, the error every rule raises, and who may book or advise."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef

from rathaus.consulting.models import (
    Advisor,
    Booking,
    BookingStatus,
)
from rathaus.core.tenancy.models import Municipality

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.core.accounts.models import User

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


def is_verified(user: User | AnonymousUser | None) -> bool:
    """A verified account: an e-mail address confirmed through allauth."""
    if user is None or not user.is_authenticated:
        return False
    verified: bool = EmailAddress.objects.filter(user=user, verified=True).exists()  # allauth: untyped
    return verified


def advisor_of(user: User | AnonymousUser | None, municipality: Municipality) -> Advisor | None:
    if user is None or not user.is_authenticated:
        return None
    return Advisor.objects.for_tenant(municipality).filter(user=user, is_active=True).first()
