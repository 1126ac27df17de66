"""The mails to the person and the advisor."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from rathaus.consulting.models import (
    Booking,
)
from rathaus.core.tasks import send_email_after_commit

from .base import CANCELLATION_DEADLINE

_SUBJECTS = {
    "booked": "Beratungstermin bestätigt / Appointment confirmed",
    "cancelled": "Beratungstermin abgesagt / Appointment cancelled",
    "cancelled_by_advisor": "Beratungstermin abgesagt / Appointment cancelled",
    "rebooked": "Beratungstermin umgebucht / Appointment moved",
    "reminder": "Erinnerung an Ihren Beratungstermin / Appointment reminder",
}
_ADVISOR_SUBJECTS = {
    "booked": "Neue Buchung / New booking",
    "cancelled": "Buchung abgesagt / Booking cancelled",
    "rebooked": "Buchung umgebucht / Booking moved",
}


def _mail_booking(
    booking: Booking, kind: str, previous: Booking | None = None, *, person: bool = True
) -> None:
    slot = booking.slot
    muni = booking.municipality
    context = {
        "booking": booking,
        "slot": slot,
        "advisor": slot.advisor,
        "topic": booking.topic,
        "municipality": muni,
        "kind": kind,
        "previous": previous,
        "start": timezone.localtime(slot.starts_at),
        "end": timezone.localtime(slot.ends_at),
        "previous_start": timezone.localtime(previous.slot.starts_at) if previous else None,
        "deadline": timezone.localtime(slot.starts_at - CANCELLATION_DEADLINE),
    }
    prefix = f"{muni.name}: "
    if person:
        send_email_after_commit(
            prefix + _SUBJECTS[kind],
            render_to_string("consulting/email/person.txt", context),
            [booking.person_email],
        )
    advisor_mail = slot.advisor.notification_email
    if advisor_mail and kind in ("booked", "cancelled", "rebooked"):
        send_email_after_commit(
            prefix + _ADVISOR_SUBJECTS[kind],
            render_to_string("consulting/email/advisor.txt", context),
            [advisor_mail],
        )
    if advisor_mail and kind == "cancelled_by_advisor":
        send_email_after_commit(
            prefix + _ADVISOR_SUBJECTS["cancelled"],
            render_to_string("consulting/email/advisor.txt", {**context, "kind": "cancelled"}),
            [advisor_mail],
        )
